#include "core/base/subprocess.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "core/base/error_codes.h"
#include "core/base/file_io.h"
#include "core/base/unique_fd.h"

extern char** environ;

namespace hotsplice {
namespace {

// Closes both ends of a pipe that were not handed on.
struct Pipe {
  int read_end = -1;
  int write_end = -1;
  ~Pipe() {
    if (read_end >= 0) ::close(read_end);
    if (write_end >= 0) ::close(write_end);
  }
};

std::string tail(const std::string& text, std::size_t max_bytes) {
  return text.size() > max_bytes ? text.substr(text.size() - max_bytes) : text;
}

// Reads the child's output until it closes the pipe, keeping the first max_bytes.
void drain(int fd, std::string& output, std::size_t max_bytes) {
  char buffer[8192];
  for (;;) {
    ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return;
    std::size_t room = max_bytes - std::min(max_bytes, output.size());
    output.append(buffer, std::min(room, static_cast<std::size_t>(got)));
  }
}

}  // namespace

bool SubprocessResult::succeeded() const {
  return WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
}

std::string SubprocessResult::how_it_ended() const {
  return describe_wait_status(wait_status);
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "stopped with wait status " + std::to_string(status);
}

std::string command_text(const std::vector<std::string>& argv) {
  std::string text;
  for (const auto& argument : argv) text += (text.empty() ? "" : " ") + argument;
  return text;
}

std::string file_tail(const std::filesystem::path& path, std::size_t max_bytes) {
  // Seek rather than read it all: console logs and build logs can be large.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return {};
  off_t size = ::lseek(fd.get(), 0, SEEK_END);
  off_t start = size > static_cast<off_t>(max_bytes) ? size - static_cast<off_t>(max_bytes) : 0;
  std::string text(size > start ? static_cast<std::size_t>(size - start) : 0, '\0');
  ssize_t got = text.empty() ? 0 : ::pread(fd.get(), text.data(), text.size(), start);
  text.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
  return text;
}

Expected<SubprocessResult> run_subprocess(const SubprocessSpec& spec) {
  if (spec.argv.empty()) return Error(errc::kIoError, "run: no program given");
  Pipe pipe;
  bool capture = spec.output_log.empty();
  if (capture) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return io_error("pipe for " + spec.argv[0], errno);
    pipe.read_end = fds[0];
    pipe.write_end = fds[1];
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  if (capture) {
    posix_spawn_file_actions_adddup2(&actions, pipe.write_end, STDOUT_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, spec.output_log.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
  }
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  if (!spec.directory.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, spec.directory.c_str());
  }
  std::vector<char*> argv;
  for (const auto& argument : spec.argv) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  int spawned = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) return io_error("run " + spec.argv[0], spawned);

  SubprocessResult result;
  if (capture) {
    ::close(std::exchange(pipe.write_end, -1));
    drain(pipe.read_end, result.output, spec.max_captured_bytes);
  }
  while (::waitpid(pid, &result.wait_status, 0) < 0) {
    if (errno != EINTR) return io_error("wait for " + spec.argv[0], errno);
  }
  return result;
}

Expected<SubprocessResult> run_checked(const SubprocessSpec& spec) {
  auto result = run_subprocess(spec);
  if (!result || result->succeeded()) return result;
  std::string output =
      spec.output_log.empty() ? tail(result->output, 4096) : file_tail(spec.output_log);
  std::string where = spec.directory.empty() ? "" : " (in " + spec.directory.string() + ")";
  return Error(errc::kCommandFailed, command_text(spec.argv) + where + " " +
                                         result->how_it_ended() + "; its output ends with:\n" +
                                         output);
}

}  // namespace hotsplice
