// A child process started with posix_spawn (no shell) in its own process group, so that
// stopping it also stops everything it started. The destructor kills the group: a test that
// fails or throws never leaves a QEMU or a daemon behind.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/base/expected.h"
#include "core/base/subprocess.h"  // describe_wait_status, file_tail
#include "tests/vm/harness/deadline.h"

namespace hotsplice::vm {

class ChildProcess {
 public:
  // Starts argv[0] (looked up in PATH) with stdin from /dev/null and stdout and stderr
  // appended to output_log.
  static Expected<ChildProcess> spawn(const std::vector<std::string>& argv,
                                      const std::filesystem::path& output_log);

  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  pid_t pid() const { return pid_; }

  // The wait status if the process has exited (reaping it), without blocking.
  std::optional<int> poll_exit();

  // Waits for the process to exit until the deadline; nullopt if it is still running.
  std::optional<int> wait_until(const Deadline& deadline);

  // SIGTERM to the group, then SIGKILL once `grace` has passed; reaps the process.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(0));

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
};

// Runs a command to completion, failing if it cannot start, exceeds the deadline or exits
// non-zero; the error then carries the tail of its output.
Status run_command(const std::vector<std::string>& argv, const std::filesystem::path& output_log,
                   const Deadline& deadline);

}  // namespace hotsplice::vm
