// Running another program to completion: posix_spawn (no shell, so no quoting bugs),
// argv[0] looked up in PATH, stdin from /dev/null, stdout and stderr together either
// appended to a log file or captured (bounded) for the caller.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "core/base/expected.h"

namespace hotsplice {

struct SubprocessSpec {
  explicit SubprocessSpec(std::vector<std::string> arguments) : argv(std::move(arguments)) {}

  std::vector<std::string> argv;
  std::filesystem::path directory;   // where it runs; empty: the caller's directory
  std::filesystem::path output_log;  // appended to; empty: output captured into the result
  std::size_t max_captured_bytes = std::size_t{1} << 20;
};

struct SubprocessResult {
  int wait_status = 0;
  std::string output;  // the captured output (its first max_captured_bytes), if captured

  bool succeeded() const;
  std::string how_it_ended() const;  // "exited with status 3", "killed by signal 9"
};

// Fails only when the program cannot be started or waited for ("io_error").
Expected<SubprocessResult> run_subprocess(const SubprocessSpec& spec);

// run_subprocess, then "command_failed" unless the program exited with status 0; the error
// names the command, how it ended and the end of its output.
Expected<SubprocessResult> run_checked(const SubprocessSpec& spec);

// "exited with status 3", "killed by signal 9".
std::string describe_wait_status(int status);
// The arguments joined by spaces, for messages.
std::string command_text(const std::vector<std::string>& argv);
// The last max_bytes of a file (for error messages and log watching); empty if unreadable.
std::string file_tail(const std::filesystem::path& path, std::size_t max_bytes = 4096);

}  // namespace hotsplice
