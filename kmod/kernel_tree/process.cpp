#include "kmod/kernel_tree/process.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>

#include "core/base/file_io.h"

extern char** environ;

namespace hotsplice::kernel_tree {
namespace {

namespace fs = std::filesystem;

std::string command_text(const std::vector<std::string>& argv) {
  std::string text;
  for (const std::string& argument : argv) text += (text.empty() ? "" : " ") + argument;
  return text;
}

std::string log_tail(const fs::path& log) {
  auto content = read_file(log, std::size_t{64} << 20);
  if (!content) return "(log unreadable: " + content.error().message() + ")";
  constexpr std::size_t kTail = 2000;
  return content->size() > kTail ? content->substr(content->size() - kTail) : *content;
}

// Spawns argv in directory with stdout and stderr sent to output; returns the wait status.
Expected<int> spawn_and_wait(const std::vector<std::string>& argv, const fs::path& directory,
                             const fs::path& output, bool append) {
  std::vector<char*> pointers;
  for (const std::string& argument : argv) pointers.push_back(const_cast<char*>(argument.c_str()));
  pointers.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output.c_str(),
                                   O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC), 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addchdir_np(&actions, directory.c_str());
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, pointers[0], &actions, nullptr, pointers.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return io_error("run " + argv[0], spawned);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return io_error("wait for " + argv[0], errno);
  }
  return status;
}

}  // namespace

Status run_logged(const std::vector<std::string>& argv, const fs::path& directory,
                  const fs::path& log) {
  {
    std::ofstream record(log, std::ios::app);
    record << "$ " << command_text(argv) << "\n";
  }
  auto status = spawn_and_wait(argv, directory, log, true);
  if (!status) return status.error();
  if (WIFEXITED(*status) && WEXITSTATUS(*status) == 0) return Status::ok();
  const std::string how = WIFEXITED(*status) ? "exit status " + std::to_string(WEXITSTATUS(*status))
                                             : "signal " + std::to_string(WTERMSIG(*status));
  return Error("command_failed", command_text(argv) + " (in " + directory.string() +
                                     ") failed with " + how + "; end of " + log.string() + ":\n" +
                                     log_tail(log));
}

Expected<std::string> capture_output(const std::vector<std::string>& argv,
                                     const fs::path& directory) {
  char pattern[] = "/tmp/hotsplice-capture-XXXXXX";
  const int fd = mkstemp(pattern);
  if (fd < 0) return io_error("mkstemp", errno);
  close(fd);
  const fs::path output = pattern;
  auto status = spawn_and_wait(argv, directory, output, false);
  auto content = read_file(output, 1 << 20);
  std::error_code ignored;
  fs::remove(output, ignored);
  if (!status) return status.error();
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    return Error("command_failed", command_text(argv) + " failed");
  }
  return content;
}

}  // namespace hotsplice::kernel_tree
