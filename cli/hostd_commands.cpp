#include "cli/hostd_commands.h"

#include <cstdlib>
#include <iomanip>

#include "core/base/arguments.h"
#include "hostagent/control_client.h"

namespace hotsplice::cli {
namespace {

using hostd::ControlCommand;
using hostd::ControlRequest;
using hostd::RolloutAction;

ControlRequest make_request(ControlCommand command, std::string guest = {}, std::string patch = {},
                            RolloutAction action = RolloutAction::status) {
  ControlRequest request;
  request.command = command;
  request.guest = std::move(guest);
  request.patch = std::move(patch);
  request.action = action;
  return request;
}

struct Parsed {
  Arguments arguments;
  std::filesystem::path socket;
};

Expected<Parsed> parse(CommandContext& context, std::size_t max_positionals) {
  auto arguments =
      Arguments::parse(context.arguments, {{"socket"}, {"json", false}}, max_positionals);
  if (!arguments) return arguments.error();
  std::filesystem::path socket = hostd::kDefaultControlSocket;
  if (const char* env = std::getenv("HOTSPLICE_HOSTD_SOCKET"); env && *env) socket = env;
  if (auto given = arguments->value("socket")) socket = *given;
  return Parsed{std::move(*arguments), socket};
}

int usage(CommandContext& context, const std::string& what, const std::string& message) {
  return report_error(context, what, Error("usage", message));
}

// Sends the request; on failure prints hostd's (or the connection's) error.
std::optional<Json> call(CommandContext& context, const std::string& what, const Parsed& parsed,
                         const ControlRequest& request) {
  auto result = hostd::call_hostd(parsed.socket, request);
  if (!result) {
    report_error(context, what, result.error());
    return std::nullopt;
  }
  return *result;
}

std::string text_of(const Json& value) {
  return value.is_string() ? value.get<std::string>() : (value.is_null() ? "-" : value.dump());
}

// Shortens a cell to width (the table fits 80 columns).
std::string cell(std::string text, std::size_t width) {
  if (text.size() > width) text = text.substr(0, width - 1) + "~";
  return text;
}

void print_rollout(std::ostream& out, const Json& rollout) {
  out << "rollout: stage " << text_of(rollout["stage"])
      << (rollout["paused"].get<bool>() ? " (paused)" : "") << ", policy "
      << text_of(rollout["policy"]) << ", " << rollout["in_flight"] << " in flight (limit "
      << rollout["concurrency"] << ")\n";
  if (!rollout["canaries"].empty()) out << "canaries: " << rollout["canaries"].dump() << "\n";
  if (rollout.contains("wait_until"))
    out << "canary wait ends " << text_of(rollout["wait_until"]) << "\n";
  if (!text_of(rollout["reason"]).empty()) out << "why: " << text_of(rollout["reason"]) << "\n";
}

}  // namespace

int run_status(CommandContext& context) {
  auto parsed = parse(context, 0);
  if (!parsed) return usage(context, "status", parsed.error().message());
  auto result = call(context, "status", *parsed, make_request(ControlCommand::status));
  if (!result) return kExitFailure;
  if (parsed->arguments.has("json")) {
    context.out << result->dump(2) << "\n";
    return kExitOk;
  }
  const Json& r = *result;
  context.out << "hotsplice-hostd " << text_of(r["version"]) << " (pid " << r["pid"] << ", since "
              << text_of(r["started"]) << ")\n";
  const Json& directory = r["guest_directory"];
  context.out << "guest directory: " << text_of(directory["uri"]) << " "
              << (directory["connected"].get<bool>()
                      ? "connected"
                      : "NOT connected: " + text_of(directory["why"]))
              << "\n";
  context.out << "guests: " << r["guests"]["total"];
  for (const auto& [status, count] : r["guests"]["by_status"].items()) {
    if (count.get<int>() > 0) context.out << ", " << count << " " << status;
  }
  context.out << "\n";
  if (r.contains("repository") && r["repository"].contains("source")) {
    const Json& repo = r["repository"];
    context.out << "repository: " << text_of(repo["source"]) << ", index " << repo["index_version"]
                << ", " << repo["bundles"] << " verified bundles";
    const Json& last = repo["last_sync"];
    if (last.contains("ok") && !last["ok"].get<bool>()) {
      context.out << "; last sync FAILED " << text_of(last["at"]) << ": " << text_of(last["error"])
                  << " [" << text_of(last["code"]) << "]";
    }
    context.out << "\n";
  }
  print_rollout(context.out, r["rollout"]);
  return kExitOk;
}

int run_guests(CommandContext& context) {
  auto parsed = parse(context, 0);
  if (!parsed) return usage(context, "guests", parsed.error().message());
  auto result = call(context, "guests", *parsed, make_request(ControlCommand::guests));
  if (!result) return kExitFailure;
  if (parsed->arguments.has("json")) {
    context.out << (*result)["guests"].dump(2) << "\n";
    return kExitOk;
  }
  context.out << std::left << std::setw(20) << "GUEST" << std::setw(19) << "STATUS" << std::setw(17)
              << "KERNEL" << std::setw(7) << "LIVE"
              << "WHY\n";
  for (const auto& guest : (*result)["guests"]) {
    std::string kernel = guest["kernel"].is_null() ? "-" : text_of(guest["kernel"]["release"]);
    std::string live =
        std::to_string(guest["applied"].size()) + "/" + std::to_string(guest["available"].size());
    context.out << std::setw(20) << cell(text_of(guest["name"]), 19) << std::setw(19)
                << text_of(guest["status"]) << std::setw(17) << cell(kernel, 16) << std::setw(7)
                << live << cell(text_of(guest["reason"]), 17) << "\n";
  }
  return kExitOk;
}

int run_apply(CommandContext& context) {
  auto parsed = parse(context, 2);
  if (!parsed || parsed->arguments.positionals().empty()) {
    return usage(context, "apply", "usage: hotsplice apply GUEST [PATCH]");
  }
  const auto& words = parsed->arguments.positionals();
  auto request = make_request(ControlCommand::apply, words[0], words.size() > 1 ? words[1] : "");
  auto result = call(context, "apply", *parsed, request);
  if (!result) return kExitFailure;
  if ((*result)["queued"].empty()) {
    context.out << text_of((*result)["guest"]) << ": nothing to apply (already live)\n";
  } else {
    context.out << text_of((*result)["guest"]) << ": queued " << (*result)["queued"].dump()
                << " (see hotsplice guests)\n";
  }
  return kExitOk;
}

int run_rollback(CommandContext& context) {
  auto parsed = parse(context, 2);
  if (!parsed || parsed->arguments.positionals().size() != 2) {
    return usage(context, "rollback", "usage: hotsplice rollback GUEST PATCH");
  }
  const auto& words = parsed->arguments.positionals();
  auto result = call(context, "rollback", *parsed,
                     make_request(ControlCommand::rollback, words[0], words[1]));
  if (!result) return kExitFailure;
  context.out << text_of((*result)["guest"]) << ": rollback of " << words[1]
              << " queued (see hotsplice guests)\n";
  return kExitOk;
}

int run_rollout(CommandContext& context) {
  auto parsed = parse(context, 1);
  const char* kUsage = "usage: hotsplice rollout status|pause|resume [--json]";
  if (!parsed || parsed->arguments.positionals().size() != 1)
    return usage(context, "rollout", kUsage);
  const std::string& word = parsed->arguments.positionals()[0];
  auto request = make_request(ControlCommand::rollout);
  if (word == "status") {
    request.action = RolloutAction::status;
  } else if (word == "pause") {
    request.action = RolloutAction::pause;
  } else if (word == "resume") {
    request.action = RolloutAction::resume;
  } else {
    return usage(context, "rollout", kUsage);
  }
  auto result = call(context, "rollout " + word, *parsed, request);
  if (!result) return kExitFailure;
  if (parsed->arguments.has("json")) {
    context.out << result->dump(2) << "\n";
  } else {
    print_rollout(context.out, *result);
  }
  return kExitOk;
}

}  // namespace hotsplice::cli
