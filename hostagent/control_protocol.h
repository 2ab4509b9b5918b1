// The control socket's protocol (/run/hotsplice/hostd.sock, docs/hostd.md): one request per
// connection, one JSON object per line each way.
//   request:  {"command": "status" | "guests" | "apply" | "rollback" | "rollout" | "host" |
//              "guest",
//              "guest": "...", "patch": "...", "action": "pause" | "resume" | "status"}
//   response: {"ok": true, "result": {...}} or {"ok": false, "error": {"code", "message"}}
// Shared by hostd (server) and the hotsplice CLI (client), so both read the same rules.
#pragma once

#include <string>
#include <string_view>

#include "core/base/expected.h"
#include "core/base/json_reader.h"

namespace hotsplice::hostd {

inline constexpr char kDefaultControlSocket[] = "/run/hotsplice/hostd.sock";
inline constexpr std::size_t kMaxControlRequestBytes = 64 * 1024;
// A status of many thousands of guests fits; anything beyond is not a response of ours.
inline constexpr std::size_t kMaxControlResponseBytes = 64 * 1024 * 1024;
inline constexpr std::size_t kMaxControlNameLength = 256;

// host, guests and guest answer with the HTTP API's documents (api_views.h).
enum class ControlCommand { status, guests, apply, rollback, rollout, host, guest };
enum class RolloutAction { status, pause, resume };

struct ControlRequest {
  ControlCommand command = ControlCommand::status;
  std::string guest;  // apply, rollback, guest: id or name
  std::string patch;  // apply: optional (empty = every bundle the guest lacks); rollback: required
  RolloutAction action = RolloutAction::status;  // rollout

  bool operator==(const ControlRequest&) const = default;
};

// One line of JSON (without the newline).
std::string encode_request(const ControlRequest& request);
// Fails with bad_request / unknown_command naming what was wrong.
Expected<ControlRequest> parse_request(std::string_view line);

std::string encode_ok(const Json& result);
std::string encode_error(const Error& error);
// The result of a response line, or the error it carries (with hostd's code), or
// bad_response when the line is not a response at all.
Expected<Json> parse_response(std::string_view line);

}  // namespace hotsplice::hostd
