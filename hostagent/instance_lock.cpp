#include "hostagent/instance_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "core/base/file_io.h"
#include "hostagent/error_codes.h"

namespace hotsplice::hostd {

namespace {

constexpr char kLockName[] = "hostd.lock";

// The pid the holder wrote into the file, for the message only ("" when unreadable).
std::string holder_pid(int fd) {
  char buffer[32] = {};
  ssize_t n = ::pread(fd, buffer, sizeof buffer - 1, 0);
  if (n <= 0) return "";
  std::string text(buffer, static_cast<std::size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

Expected<InstanceLock> InstanceLock::acquire(const std::filesystem::path& state_dir) {
  if (auto s = ensure_directory(state_dir, 0755); !s) {
    return Error(errc::kInstanceLock,
                 "cannot create state_dir " + state_dir.string() + ": " + s.error().message());
  }
  std::filesystem::path path = state_dir / kLockName;
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return Error(errc::kInstanceLock, "cannot open " + path.string() + ": " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int error = errno;
    std::string pid = error == EWOULDBLOCK ? holder_pid(fd) : "";
    ::close(fd);
    if (error == EWOULDBLOCK) {
      return Error(errc::kAlreadyRunning,
                   "another hotsplice-hostd" + (pid.empty() ? "" : " (pid " + pid + ")") +
                       " holds " + path.string() + "; not starting twice on one state_dir");
    }
    return Error(errc::kInstanceLock, "cannot lock " + path.string() + ": " + std::strerror(error));
  }
  // Ours now: record the pid for the next one's message (the lock, not the pid, decides).
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    // The lock holds without it; only the refusal message of a second hostd is poorer.
  }
  return InstanceLock(fd, std::move(path));
}

InstanceLock::InstanceLock(InstanceLock&& other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)) {
  other.fd_ = -1;
}

InstanceLock& InstanceLock::operator=(InstanceLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

InstanceLock::~InstanceLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace hotsplice::hostd
