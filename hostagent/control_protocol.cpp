#include "hostagent/control_protocol.h"

#include "hostagent/error_codes.h"

namespace hotsplice::hostd {
namespace {

constexpr const char* kCommandNames[] = {"status",  "guests", "apply", "rollback",
                                         "rollout", "host",   "guest"};
constexpr const char* kActionNames[] = {"status", "pause", "resume"};

Error bad_request(const std::string& message) {
  return Error(errc::kControlBadRequest, message);
}

}  // namespace

std::string encode_request(const ControlRequest& request) {
  Json out = {{"command", kCommandNames[static_cast<int>(request.command)]}};
  if (request.command == ControlCommand::guest) out["guest"] = request.guest;
  if (request.command == ControlCommand::apply || request.command == ControlCommand::rollback) {
    out["guest"] = request.guest;
    if (!request.patch.empty()) out["patch"] = request.patch;
  }
  if (request.command == ControlCommand::rollout) {
    out["action"] = kActionNames[static_cast<int>(request.action)];
  }
  return out.dump();
}

Expected<ControlRequest> parse_request(std::string_view line) {
  if (line.size() > kMaxControlRequestBytes) {
    return Error(errc::kControlTooLarge,
                 "request larger than " + std::to_string(kMaxControlRequestBytes) + " bytes");
  }
  auto json = parse_json(line, "control request", 4);
  if (!json) return bad_request(json.error().message());
  auto object = JsonObject::from(*json, "request");
  if (!object) return bad_request(object.error().message());
  if (auto s = object->only_fields({"command", "guest", "patch", "action"}); !s) {
    return bad_request(s.error().message());
  }
  auto command = object->string("command", 32);
  if (!command) return bad_request(command.error().message());
  ControlRequest request;
  bool found = false;
  for (std::size_t i = 0; i < std::size(kCommandNames); ++i) {
    if (*command == kCommandNames[i]) {
      request.command = static_cast<ControlCommand>(i);
      found = true;
    }
  }
  if (!found) {
    return Error(errc::kControlUnknownCommand,
                 "unknown command \"" + *command +
                     "\" (expected status, guests, guest, host, apply, rollback or rollout)");
  }
  bool takes_guest = request.command == ControlCommand::apply ||
                     request.command == ControlCommand::rollback ||
                     request.command == ControlCommand::guest;
  if (takes_guest) {
    auto guest = object->string("guest", kMaxControlNameLength);
    if (!guest) return bad_request(guest.error().message());
    if (guest->empty()) return bad_request("request.guest: must not be empty");
    request.guest = *guest;
    if (object->has("patch") && request.command == ControlCommand::guest) {
      return bad_request("request.patch: applies to apply and rollback only");
    }
    if (object->has("patch")) {
      auto patch = object->string("patch", kMaxControlNameLength);
      if (!patch) return bad_request(patch.error().message());
      request.patch = *patch;
    }
    if (request.command == ControlCommand::rollback && request.patch.empty()) {
      return bad_request("request.patch: rollback needs the patch to roll back");
    }
  } else if (object->has("guest") || object->has("patch")) {
    return bad_request("request: guest and patch apply to guest, apply and rollback only");
  }
  if (request.command == ControlCommand::rollout) {
    auto action = object->string("action", 16);
    if (!action) return bad_request(action.error().message());
    found = false;
    for (int i = 0; i < 3; ++i) {
      if (*action == kActionNames[i]) {
        request.action = static_cast<RolloutAction>(i);
        found = true;
      }
    }
    if (!found) return bad_request("request.action: expected status, pause or resume");
  } else if (object->has("action")) {
    return bad_request("request.action: applies to the rollout command only");
  }
  return request;
}

std::string encode_ok(const Json& result) {
  return Json({{"ok", true}, {"result", result}}).dump();
}

std::string encode_error(const Error& error) {
  return Json({{"ok", false}, {"error", {{"code", error.code()}, {"message", error.message()}}}})
      .dump();
}

Expected<Json> parse_response(std::string_view line) {
  auto json = parse_json(line, "hostd response", 64);
  if (!json) return Error(errc::kControlBadResponse, json.error().message());
  auto object = JsonObject::from(*json, "response");
  if (!object) return Error(errc::kControlBadResponse, object.error().message());
  auto ok = object->boolean("ok");
  if (!ok) return Error(errc::kControlBadResponse, ok.error().message());
  if (*ok) {
    if (!json->contains("result")) {
      return Error(errc::kControlBadResponse, "response.result: missing");
    }
    return json->at("result");
  }
  auto error = object->object("error");
  if (!error) return Error(errc::kControlBadResponse, error.error().message());
  auto code = error->string("code", 64);
  auto message = error->string("message", 64 * 1024);
  if (!code || !message) {
    return Error(errc::kControlBadResponse, "response.error: needs code and message");
  }
  return Error(*code, *message);
}

}  // namespace hotsplice::hostd
