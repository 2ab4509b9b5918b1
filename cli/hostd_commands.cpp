#include "cli/hostd_commands.h"

#include <unistd.h>

#include <cstdlib>
#include <iomanip>
#include <iostream>

#include "core/base/arguments.h"
#include "core/base/error_codes.h"
#include "core/base/outside_text.h"
#include "hostagent/control_client.h"
#include "hostagent/error_codes.h"

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
  bool json = false;
  bool colour = false;  // only on a terminal, and never with NO_COLOR set
};

Expected<Parsed> parse(CommandContext& context, std::size_t max_positionals) {
  auto arguments =
      Arguments::parse(context.arguments, {{"socket"}, {"json", false}}, max_positionals);
  if (!arguments) return arguments.error();
  std::filesystem::path socket = hostd::kDefaultControlSocket;
  if (const char* env = std::getenv("HOTSPLICE_HOSTD_SOCKET"); env && *env) socket = env;
  if (auto given = arguments->value("socket")) socket = *given;
  const char* no_colour = std::getenv("NO_COLOR");
  bool colour =
      &context.out == &std::cout && ::isatty(STDOUT_FILENO) == 1 && !(no_colour && *no_colour);
  bool json = arguments->has("json");
  return Parsed{std::move(*arguments), socket, json, colour};
}

int usage(CommandContext& context, const std::string& what, const std::string& message) {
  return report_error(context, what, Error(hotsplice::errc::kUsage, message));
}

// Sends the request; on failure prints hostd's (or the connection's) error. When hostd is
// not running, the error says so (hostd_not_running) and names the socket.
std::optional<Json> call(CommandContext& context, const std::string& what, const Parsed& parsed,
                         const ControlRequest& request) {
  auto result = hostd::call_hostd(parsed.socket, request);
  if (!result) {
    report_error(context, what, result.error());
    return std::nullopt;
  }
  return *result;
}

// Untrusted text (guest names, messages) made safe for a terminal; "-" for null.
std::string text_of(const Json& value) {
  if (value.is_null()) return "-";
  return terminal_text(value.is_string() ? value.get<std::string>() : value.dump());
}

// Shortens a cell to width (tables fit 80 columns).
std::string cell(std::string text, std::size_t width) {
  if (text.size() > width) text = text.substr(0, width - 1) + "~";
  return text;
}

const char* colour_of(const std::string& status) {
  if (status == "patched") return "\033[32m";                             // green
  if (status == "pending") return "\033[33m";                             // yellow
  if (status == "failed" || status == "agent_silent") return "\033[31m";  // red
  return "\033[35m";  // magenta: not covered (unsupported_kernel, no_channel, unknown)
}

// status padded to width, coloured on a terminal (the escape codes take no columns).
std::string status_cell(const Parsed& parsed, const std::string& status, std::size_t width) {
  std::string padded = status + std::string(width > status.size() ? width - status.size() : 0, ' ');
  return parsed.colour ? colour_of(status) + padded + "\033[0m" : padded;
}

// "1 kernel", "2 kernels", "0 kernels".
std::string plural(std::size_t count, const std::string& noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

std::string short_kind(const std::string& kind) {
  return kind == "container" ? "ct" : kind;
}

// "guest directory: URI connected since T", or NOT connected since T and why: while it is
// down the guests are unknown, which an empty table must not hide.
void print_directory(std::ostream& out, const Json& directory) {
  if (!directory.is_object()) return;
  bool up = directory.value("connected", false);
  out << "guest directory: " << text_of(directory["uri"])
      << (up ? " connected since " : " NOT connected since ") << text_of(directory["since"]);
  if (!up) out << ": " << text_of(directory["why"]) << "; guests unknown while disconnected";
  out << "\n";
}

void print_json(CommandContext& context, const Json& value) {
  context.out << value.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
}

void print_rollout(std::ostream& out, const Json& rollout) {
  out << "rollout: stage " << text_of(rollout["stage"])
      << (rollout["paused"].get<bool>() ? " (paused)" : "") << ", policy "
      << text_of(rollout["policy"]) << ", " << rollout["in_flight"] << " in flight (limit "
      << rollout["concurrency"] << ")\n";
  if (!rollout["canaries"].empty()) {
    out << "canaries:";
    for (const auto& name : rollout["canaries"]) out << " " << text_of(name);
    out << "\n";
  }
  if (rollout.contains("wait_until"))
    out << "canary wait ends " << text_of(rollout["wait_until"]) << "\n";
  if (!rollout["reason"].get<std::string>().empty())
    out << "why: " << text_of(rollout["reason"]) << "\n";
}

}  // namespace

int run_status(CommandContext& context) {
  auto parsed = parse(context, 0);
  if (!parsed) return usage(context, "status", parsed.error().message());
  auto status = call(context, "status", *parsed, make_request(ControlCommand::status));
  if (!status) return kExitFailure;
  auto host = call(context, "status", *parsed, make_request(ControlCommand::host));
  if (!host) return kExitFailure;
  if (parsed->json) {
    print_json(context, {{"hostd", *status}, {"host", *host}});
    return kExitOk;
  }
  const Json& s = *status;
  const Json& h = *host;
  auto& out = context.out;
  out << "hostd: running, version " << text_of(s["version"]) << " (pid " << s["pid"] << ", since "
      << text_of(s["started"]) << ")\n";
  out << "host: " << text_of(h["hostname"]) << ", " << text_of(h["environment"]["kind"]);
  if (h["environment"].contains("technology") && !h["environment"]["technology"].empty()) {
    out << " (" << text_of(h["environment"]["technology"]) << ")";
  }
  out << "\n";
  if (!h["kernel"].is_null()) {
    out << "kernel: " << text_of(h["kernel"]["release"]) << ", effective "
        << text_of(h["effective_kernel"]) << "\n";
  }
  const Json& own = s["host"];
  if (own.is_object() && !own.value("patching", false)) {
    out << "host kernel: left alone by hostd: " << text_of(own["why_not"]) << "\n";
  }
  print_directory(out, s["guest_directory"]);
  const Json& summary = h["summary"];
  out << "coverage: " << plural(summary["total"].get<std::size_t>(), "kernel");
  for (const auto& [name, count] : summary["by_status"].items()) {
    if (count.get<int>() > 0) {
      out << ", " << count << " " << status_cell(*parsed, name, 0);
    }
  }
  out << "; " << plural(summary["open_cves"].get<std::size_t>(), "CVE") << " open";
  if (summary.value("cves_unknown", 0) > 0) {
    out << " (unknown on " << plural(summary["cves_unknown"].get<std::size_t>(), "kernel")
        << ": no bundle targets them)";
  }
  out << "\n";
  const Json& repo = h["repository"];
  if (repo.contains("source")) {
    out << "repository: " << text_of(repo["source"]) << ", index " << repo["index_version"] << ", "
        << plural(repo["bundles"].get<std::size_t>(), "verified bundle");
    if (!repo["error"].is_null()) {
      out << "; last sync FAILED " << text_of(repo["last_sync"]) << ": "
          << text_of(repo["error"]["message"]) << " [" << text_of(repo["error"]["code"]) << "]";
    } else {
      out << ", last sync " << text_of(repo["last_sync"]);
    }
    out << "\n";
  }
  const Json& http = s["http"];
  if (http["listening"].get<bool>()) {
    out << "dashboard: http://" << text_of(http["address"]) << "/\n";
  } else {
    out << "dashboard: off (" << text_of(http["address"]) << ": " << text_of(http["problem"])
        << ")\n";
  }
  print_rollout(out, h["rollout"]);
  return kExitOk;
}

int run_guests(CommandContext& context) {
  auto parsed = parse(context, 0);
  if (!parsed) return usage(context, "guests", parsed.error().message());
  auto result = call(context, "guests", *parsed, make_request(ControlCommand::guests));
  if (!result) return kExitFailure;
  if (parsed->json) {
    print_json(context, *result);
    return kExitOk;
  }
  // NAME 16, KIND 4, STATUS 18, CVES 4 (open), EFFECTIVE KERNEL: 80 columns with the gaps.
  auto& out = context.out;
  const Json& directory = (*result)["guest_directory"];
  if (directory.is_object() && !directory.value("connected", false)) {
    print_directory(out, directory);
  }
  out << std::left << std::setw(17) << "NAME" << std::setw(5) << "KIND" << std::setw(19) << "STATUS"
      << std::setw(5) << "CVES"
      << "EFFECTIVE KERNEL\n";
  for (const auto& guest : (*result)["guests"]) {
    std::string effective = guest["effective_kernel"].get<std::string>();
    out << std::setw(17) << cell(text_of(guest["name"]), 16) << std::setw(5)
        << short_kind(guest["kind"].get<std::string>())
        << status_cell(*parsed, guest["status"].get<std::string>(), 19) << std::setw(5)
        << (guest["cves_open"].is_array() ? std::to_string(guest["cves_open"].size()) : "-")
        << cell(effective.empty() ? "-" : text_of(effective), 34) << "\n";
  }
  return kExitOk;
}

namespace {

// What a silent agent last reported: history, printed apart from the current coverage.
void print_last_known(std::ostream& out, const Json& last) {
  out << "last known (" << text_of(last["at"]) << ", not current):\n"
      << "  status:           " << text_of(last["status"]) << "\n"
      << "  effective kernel: " << text_of(last["effective_kernel"]) << "\n";
  for (const auto& patch : last["applied"]) {
    out << "  was live " << text_of(patch["bundle_id"]) << "\n";
  }
}

}  // namespace

int run_guest(CommandContext& context) {
  auto parsed = parse(context, 1);
  if (!parsed || parsed->arguments.positionals().size() != 1) {
    return usage(context, "guest", "usage: hotsplice guest ID [--json]");
  }
  const std::string& id = parsed->arguments.positionals()[0];
  auto result = call(context, "guest " + id, *parsed, make_request(ControlCommand::guest, id));
  if (!result) return kExitFailure;
  if (parsed->json) {
    print_json(context, *result);
    return kExitOk;
  }
  const Json& g = *result;
  auto& out = context.out;
  out << "name:             " << text_of(g["name"]) << "\n"
      << "id:               " << text_of(g["id"]) << "\n"
      << "kind:             " << text_of(g["kind"]);
  if (!g["covered_by"].is_null()) out << " (covered by " << text_of(g["covered_by"]) << ")";
  out << "\n"
      << "status:           " << status_cell(*parsed, g["status"].get<std::string>(), 0) << "\n";
  if (!g["reason"].get<std::string>().empty())
    out << "why:              " << text_of(g["reason"]) << "\n";
  out << "kernel:           "
      << (g["kernel"].is_null() ? "-"
                                : text_of(g["kernel"]["release"]) + " (build-id " +
                                      text_of(g["kernel"]["build_id"]) + ")")
      << "\n"
      << "effective kernel: " << text_of(g["effective_kernel"]) << "\n"
      << "agent:            " << text_of(g["agent_version"]) << ", last contact "
      << text_of(g["last_contact"]) << "\n";
  if (!g["pin"].is_null()) out << "pin:              " << text_of(g["pin"]) << "\n";
  const Json& last = g.contains("last_known") ? g["last_known"] : Json(nullptr);
  if (g["cves_open"].is_array()) {
    out << "CVEs fixed:       " << g["cves_fixed"].size() << ", open: " << g["cves_open"].size();
    for (const auto& cve : g["cves_open"]) out << " " << text_of(cve);
    out << "\n";
  } else if (!last.is_null()) {
    out << "CVEs:             unknown (the agent does not answer)\n";
  } else {
    out << "CVEs:             unknown (no verified bundle targets this kernel, so no manifest "
           "lists its CVEs)\n";
  }
  for (const auto& patch : g["applied"]) {
    out << "  live     " << text_of(patch["bundle_id"]) << "\n";
  }
  for (const auto& patch : g["available"]) {
    out << "  not live " << text_of(patch["bundle_id"]) << ": " << text_of(patch["why_not"]);
    if (!patch["error"].is_null()) {
      out << " (" << text_of(patch["error"]["code"]) << ": " << text_of(patch["error"]["message"])
          << ")";
    }
    out << "\n";
  }
  if (!last.is_null()) print_last_known(out, last);
  if (!g["history"].empty()) out << "history:\n";
  for (const auto& event : g["history"]) {
    out << "  " << text_of(event["time"]) << " " << text_of(event["bundle_id"]) << " "
        << text_of(event["result"]);
    if (!event["code"].get<std::string>().empty()) out << " [" << text_of(event["code"]) << "]";
    if (!event["message"].get<std::string>().empty()) out << " " << text_of(event["message"]);
    out << "\n";
  }
  return kExitOk;
}

int run_uname(CommandContext& context) {
  auto parsed = parse(context, 0);
  if (!parsed) return usage(context, "uname", parsed.error().message());
  auto host = call(context, "uname", *parsed, make_request(ControlCommand::host));
  if (!host) return kExitFailure;
  if (parsed->json) {
    print_json(context,
               {{"kernel", (*host)["kernel"]}, {"effective_kernel", (*host)["effective_kernel"]}});
    return kExitOk;
  }
  context.out << text_of((*host)["effective_kernel"]) << "\n";
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
  auto outcome = describe_apply_answer(*result);
  if (parsed->json) {
    print_json(context, *result);
  } else {
    context.out << outcome.line;
  }
  return outcome.exit_code;
}

ApplyOutcome describe_apply_answer(const Json& answer) {
  if (!answer.is_object()) return {"hostd's answer is not a JSON object\n", kExitFailure};
  std::string guest = text_of(answer.value("guest", Json("?")));
  const Json queued = answer.value("queued", Json::array());
  if (queued.is_array() && !queued.empty()) {
    return {guest + ": queued " + text_of(queued) + " (see hotsplice guests)\n", kExitOk};
  }
  // Nothing queued: hostd says why. Only "already live" is success; anything else means
  // nothing is or will be live by this request.
  const Json why = answer.value("nothing_queued", Json(nullptr));
  if (!why.is_object() || !why.contains("code")) {
    return {guest + ": nothing queued (hostd gave no reason)\n", kExitFailure};
  }
  bool already_live = why["code"] == hostd::errc::kAlreadyLive;
  return {guest + ": nothing queued: " + text_of(why.value("message", Json(""))) + " [" +
              text_of(why["code"]) + "]\n",
          already_live ? kExitOk : kExitFailure};
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
  if (parsed->json) {
    print_json(context, *result);
    return kExitOk;
  }
  context.out << text_of((*result)["guest"]) << ": rollback of " << terminal_text(words[1])
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
  if (parsed->json) {
    print_json(context, *result);
  } else {
    print_rollout(context.out, *result);
  }
  return kExitOk;
}

}  // namespace hotsplice::cli
