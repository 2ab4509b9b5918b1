#include "tests/vm/harness/guest_shell.h"

#include <cstdio>
#include <random>
#include <sstream>

#include "core/base/error_codes.h"
#include "tests/vm/harness/base64.h"
#include "tests/vm/harness/error_codes.h"

namespace hotsplice::vm {
namespace {

constexpr std::string_view kResultTag = "HOTSPLICE-RESULT";
constexpr std::size_t kMaxOutputBytes = 64 << 20;

// A fresh request id, so a late reply to an earlier (timed-out) request is never taken for
// the answer to this one.
std::string new_request_id() {
  static std::mt19937_64 generator{std::random_device{}()};
  char text[32];
  std::snprintf(text, sizeof(text), "hs%016llx", static_cast<unsigned long long>(generator()));
  return text;
}

struct ResultHeader {
  std::string id;
  int exit_code = -1;
  std::size_t out_bytes = 0;
  std::size_t err_bytes = 0;
};

std::optional<ResultHeader> parse_header(const std::string& line) {
  std::istringstream fields(line);
  std::string tag;
  ResultHeader header;
  if (!(fields >> tag >> header.id >> header.exit_code >> header.out_bytes >> header.err_bytes)) {
    return std::nullopt;
  }
  if (tag != kResultTag || header.out_bytes > kMaxOutputBytes ||
      header.err_bytes > kMaxOutputBytes) {
    return std::nullopt;
  }
  return header;
}

}  // namespace

Expected<GuestShell> GuestShell::connect(const std::filesystem::path& socket_path,
                                         const Deadline& deadline) {
  auto stream = UnixStream::connect(socket_path, deadline);
  if (!stream) return stream.error();
  GuestShell shell(std::move(*stream));
  // Data sent before the guest opened its end is dropped by the guest kernel: ping until a
  // reply comes back.
  while (true) {
    auto pong = shell.run_until("echo pong", deadline.capped(std::chrono::seconds(1)));
    if (pong && pong->out == "pong\n") return shell;
    if (!pong && pong.error().code() != errc::kTimeout) {
      return pong.error().with_context("waiting for the guest test shell");
    }
    if (deadline.expired()) {
      return Error(errc::kTimeout,
                   "the guest test shell did not answer on " + socket_path.string());
    }
  }
}

Expected<CommandResult> GuestShell::run(std::string_view script,
                                        std::chrono::milliseconds timeout) {
  return run_until(script, Deadline::after(timeout));
}

Expected<CommandResult> GuestShell::run_until(std::string_view script, const Deadline& deadline) {
  std::string id = new_request_id();
  std::string request = id + " " + base64_encode(script) + "\n";
  if (Status sent = stream_.write_all(request, deadline); !sent) return sent.error();
  while (true) {
    auto line = stream_.read_line(deadline);
    if (!line) return line.error().with_context("reading the guest's reply");
    auto header = parse_header(*line);
    if (!header) continue;  // console noise or the tail of an older reply
    auto body = stream_.read_exact(header->out_bytes + header->err_bytes, deadline);
    if (!body) return body.error().with_context("reading the guest's output");
    if (header->id != id) continue;  // reply to an earlier request that timed out
    return CommandResult{header->exit_code, body->substr(0, header->out_bytes),
                         body->substr(header->out_bytes)};
  }
}

Expected<std::string> GuestShell::check_output(std::string_view script,
                                               std::chrono::milliseconds timeout) {
  auto result = run(script, timeout);
  if (!result) return result.error();
  if (result->exit_code != 0) {
    return Error(hotsplice::errc::kCommandFailed,
                 "guest command `" + std::string(script) + "` exited with " +
                     std::to_string(result->exit_code) + ": " + result->err);
  }
  return std::move(result->out);
}

Status GuestShell::write_file(std::string_view guest_path, std::string_view bytes, mode_t mode) {
  char mode_text[8];
  std::snprintf(mode_text, sizeof(mode_text), "%o", static_cast<unsigned>(mode));
  std::string path = shell_quote(guest_path);
  std::string script = "base64 -d > " + path + " <<'HOTSPLICE_EOF'\n" + base64_encode(bytes) +
                       "\nHOTSPLICE_EOF\nchmod " + mode_text + " " + path + "\n";
  auto written = check_output(script, std::chrono::seconds(60));
  if (!written) return written.error().with_context("writing " + std::string(guest_path));
  return Status::ok();
}

std::string shell_quote(std::string_view text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

}  // namespace hotsplice::vm
