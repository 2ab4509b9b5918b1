// A program the bench starts and watches: posix_spawn (no shell), its stdout and stderr
// together on a pipe the bench reads line by line, with the time each line arrived (the
// daemons' log lines carry no timestamps), and its memory and CPU from /proc while it runs.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/base/expected.h"

namespace hotsplice::bench {

struct ProcessUsage {
  long peak_rss_kib = 0;   // VmHWM
  long rss_kib = 0;        // VmRSS
  double cpu_seconds = 0;  // user + system, this process only
};

class ChildProcess {
 public:
  // Fails with io_error when the program cannot be started. With log_file, the output is
  // appended there instead of the pipe (read_line then returns nothing): for a daemon nobody
  // reads while it runs, whose output must not fill a pipe and block it.
  static Expected<ChildProcess> start(const std::vector<std::string>& argv,
                                      const std::filesystem::path& log_file = {});
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ~ChildProcess();  // SIGKILL and reap, if still running

  // The next complete output line (without "\n"), waiting at most until deadline; nothing
  // on timeout or once the program closed its output.
  std::optional<std::string> read_line(std::chrono::steady_clock::time_point deadline);
  // Read from /proc/<pid>; zeros once the process is gone.
  ProcessUsage usage() const;
  pid_t pid() const { return pid_; }
  // Whether it has not exited yet (reaps it if it has).
  bool running();
  // Sends signal and waits for the exit; returns the wait status.
  int stop(int signal);

 private:
  ChildProcess(pid_t pid, int output_fd) : pid_(pid), output_fd_(output_fd) {}
  pid_t pid_ = -1;
  int output_fd_ = -1;
  std::string buffer_;
};

}  // namespace hotsplice::bench
