#include "tests/vm/harness/child_process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>
#include <utility>

#include "core/base/error_codes.h"
#include "core/base/file_io.h"
#include "tests/vm/harness/error_codes.h"

extern char** environ;

namespace hotsplice::vm {
namespace {

// posix_spawn's attributes and file actions, released whatever happens.
struct SpawnSetup {
  posix_spawnattr_t attributes;
  posix_spawn_file_actions_t actions;
  SpawnSetup() {
    posix_spawnattr_init(&attributes);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
  }
};

constexpr auto kPollInterval = std::chrono::milliseconds(20);

}  // namespace

Expected<ChildProcess> ChildProcess::spawn(const std::vector<std::string>& argv,
                                           const std::filesystem::path& output_log) {
  if (argv.empty()) return Error(errc::kInvalidArgument, "spawn: empty command");
  SpawnSetup setup;
  // Own process group (pgid = pid): killing -pid reaches every descendant that stays in it.
  posix_spawnattr_setflags(&setup.attributes,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&setup.attributes, 0);
  sigset_t signals;
  sigemptyset(&signals);
  posix_spawnattr_setsigmask(&setup.attributes, &signals);
  sigfillset(&signals);
  posix_spawnattr_setsigdefault(&setup.attributes, &signals);
  posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&setup.actions, 1, output_log.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&setup.actions, 1, 2);

  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, args[0], &setup.actions, &setup.attributes, args.data(), environ);
  if (rc != 0) return io_error("spawning " + argv[0], rc);
  return ChildProcess(pid);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), exit_status_(other.exit_status_) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    stop();
    pid_ = std::exchange(other.pid_, -1);
    exit_status_ = other.exit_status_;
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  stop();
}

std::optional<int> ChildProcess::poll_exit() {
  if (exit_status_ || pid_ < 0) return exit_status_;
  int status = 0;
  pid_t rc = ::waitpid(pid_, &status, WNOHANG);
  if (rc == pid_) {
    exit_status_ = status;
  } else if (rc < 0 && errno == ECHILD) {
    exit_status_ = 0;  // reaped elsewhere; nothing left to wait for
  }
  return exit_status_;
}

std::optional<int> ChildProcess::wait_until(const Deadline& deadline) {
  while (true) {
    if (auto status = poll_exit()) return status;
    if (deadline.expired()) return std::nullopt;
    std::this_thread::sleep_for(kPollInterval);
  }
}

void ChildProcess::stop(std::chrono::milliseconds grace) {
  if (pid_ < 0) return;
  // Even after the leader exited, the group may hold its descendants.
  if (grace.count() > 0 && !poll_exit()) {
    ::kill(-pid_, SIGTERM);
    wait_until(Deadline::after(grace));
  }
  ::kill(-pid_, SIGKILL);
  if (!exit_status_) {
    int status = 0;
    if (::waitpid(pid_, &status, 0) == pid_) exit_status_ = status;
  }
  pid_ = -1;
}

Status run_command(const std::vector<std::string>& argv, const std::filesystem::path& output_log,
                   const Deadline& deadline) {
  auto child = ChildProcess::spawn(argv, output_log);
  if (!child) return child.error();
  std::optional<int> status = child->wait_until(deadline);
  if (!status) {
    return Error(errc::kTimeout,
                 argv[0] + " did not finish in time; output:\n" + file_tail(output_log));
  }
  if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
    return Error(hotsplice::errc::kCommandFailed, argv[0] + " " + describe_wait_status(*status) +
                                                      "; output:\n" + file_tail(output_log));
  }
  return Status::ok();
}

}  // namespace hotsplice::vm
