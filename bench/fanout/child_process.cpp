#include "bench/fanout/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "core/base/file_io.h"

extern char** environ;

namespace hotsplice::bench {

Expected<ChildProcess> ChildProcess::start(const std::vector<std::string>& argv,
                                           const std::filesystem::path& log_file) {
  int pipe_fds[2];
  if (!log_file.empty()) {
    pipe_fds[0] = -1;
    pipe_fds[1] = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (pipe_fds[1] < 0) return io_error("opening " + log_file.string(), errno);
  } else if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return io_error("pipe", errno);
  }
  std::vector<char*> argv_c;
  for (const auto& word : argv) argv_c.push_back(const_cast<char*>(word.c_str()));
  argv_c.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
  pid_t pid = -1;
  int failed = ::posix_spawn(&pid, argv_c[0], &actions, nullptr, argv_c.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(pipe_fds[1]);
  if (failed != 0) {
    if (pipe_fds[0] >= 0) ::close(pipe_fds[0]);
    return io_error("starting " + argv[0], failed);
  }
  return ChildProcess(pid, pipe_fds[0]);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_), output_fd_(other.output_fd_), buffer_(std::move(other.buffer_)) {
  other.pid_ = -1;
  other.output_fd_ = -1;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0) stop(SIGKILL);
  if (output_fd_ >= 0) ::close(output_fd_);
}

std::optional<std::string> ChildProcess::read_line(std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    if (auto end = buffer_.find('\n'); end != std::string::npos) {
      std::string line = buffer_.substr(0, end);
      buffer_.erase(0, end + 1);
      return line;
    }
    if (output_fd_ < 0) return std::nullopt;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd descriptor{output_fd_, POLLIN, 0};
    if (::poll(&descriptor, 1, static_cast<int>(left.count())) <= 0) continue;
    char chunk[65536];
    ssize_t got = ::read(output_fd_, chunk, sizeof(chunk));
    if (got <= 0) {
      ::close(output_fd_);
      output_fd_ = -1;
      continue;
    }
    buffer_.append(chunk, static_cast<std::size_t>(got));
  }
}

ProcessUsage ChildProcess::usage() const {
  ProcessUsage usage;
  std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
  for (std::string line; std::getline(status, line);) {
    std::istringstream fields(line);
    std::string key;
    long value = 0;
    fields >> key >> value;
    if (key == "VmHWM:") usage.peak_rss_kib = value;
    if (key == "VmRSS:") usage.rss_kib = value;
  }
  std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  // Fields after the command name (which may hold spaces) start after the last ')'.
  if (auto close = text.rfind(')'); close != std::string::npos) {
    std::istringstream fields(text.substr(close + 2));
    std::string skip;
    for (int i = 3; i < 14; ++i) fields >> skip;  // state ... cmajflt
    long user = 0, system = 0;
    fields >> user >> system;
    usage.cpu_seconds =
        static_cast<double>(user + system) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  }
  return usage;
}

bool ChildProcess::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == 0) return true;
  pid_ = -1;
  return false;
}

int ChildProcess::stop(int signal) {
  if (pid_ <= 0) return 0;
  ::kill(pid_, signal);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  return status;
}

}  // namespace hotsplice::bench
