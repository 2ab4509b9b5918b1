#include "guestagent/signals.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

#include "core/base/file_io.h"

namespace hotsplice::guestd {

Expected<Signals> Signals::open() {
  sigset_t set;
  sigemptyset(&set);
  for (int signal : {SIGTERM, SIGINT, SIGIO, SIGPIPE}) sigaddset(&set, signal);
  if (int failed = pthread_sigmask(SIG_BLOCK, &set, nullptr); failed != 0) {
    return io_error("blocking signals", failed);
  }
  sigdelset(&set, SIGPIPE);  // blocked and never read: a pending SIGPIPE is harmless
  int fd = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
  if (fd < 0) return io_error("signalfd", errno);
  return Signals(fd);
}

Signals::~Signals() {
  if (fd_ >= 0) ::close(fd_);
}

Signals::Signals(Signals&& other) noexcept
    : fd_(other.fd_), stop_requested_(other.stop_requested_) {
  other.fd_ = -1;
}

bool Signals::drain() {
  signalfd_siginfo info;
  while (::read(fd_, &info, sizeof(info)) == static_cast<ssize_t>(sizeof(info))) {
    if (info.ssi_signo == SIGTERM || info.ssi_signo == SIGINT) stop_requested_ = true;
  }
  return stop_requested_;
}

bool Signals::wait(std::chrono::milliseconds timeout) {
  pollfd descriptor{fd_, POLLIN, 0};
  ::poll(&descriptor, 1, static_cast<int>(timeout.count()));
  return drain();
}

}  // namespace hotsplice::guestd
