// Runs shell scripts inside a test guest over the virtio port org.hotsplice.test.0 (served
// by tests/vm/guest/test-shell.sh), independently of the agent under test: tests use it to
// read /proc and /sys, load modules and start helpers.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/base/expected.h"
#include "tests/vm/harness/deadline.h"
#include "tests/vm/harness/unix_stream.h"

namespace hotsplice::vm {

// The virtio port names both runners give every guest.
inline constexpr std::string_view kAgentPortName = "org.hotsplice.agent.0";
inline constexpr std::string_view kTestPortName = "org.hotsplice.test.0";
// QEMU's own guest agent (qemu-ga), which only bench/qga_delivery's guests have.
inline constexpr std::string_view kQemuGuestAgentPortName = "org.qemu.guest_agent.0";

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

class GuestShell {
 public:
  // Connects to the host end of the test port and waits until the guest answers.
  static Expected<GuestShell> connect(const std::filesystem::path& socket_path,
                                      const Deadline& deadline);

  // Runs `script` with /bin/sh in the guest (stdin /dev/null) and returns its exit code,
  // stdout and stderr. A non-zero exit code is a result, not an error.
  Expected<CommandResult> run(std::string_view script,
                              std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // Like run(), but a non-zero exit code is an error carrying stderr; returns stdout.
  Expected<std::string> check_output(std::string_view script,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // Writes a file into the guest (through the channel; meant for files up to a few MiB).
  Status write_file(std::string_view guest_path, std::string_view bytes, mode_t mode = 0644);

 private:
  explicit GuestShell(UnixStream stream) : stream_(std::move(stream)) {}
  Expected<CommandResult> run_until(std::string_view script, const Deadline& deadline);

  UnixStream stream_;
};

// Quotes a string for a POSIX shell command line.
std::string shell_quote(std::string_view text);

}  // namespace hotsplice::vm
