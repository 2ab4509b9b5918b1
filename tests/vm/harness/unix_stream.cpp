#include "tests/vm/harness/unix_stream.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <thread>
#include <utility>

#include "core/base/file_io.h"
#include "tests/vm/harness/error_codes.h"

namespace hotsplice::vm {
namespace {

// Waits until fd is ready for `events` or the deadline passes.
Status wait_ready(int fd, short events, const Deadline& deadline, std::string_view what) {
  while (true) {
    pollfd entry{fd, events, 0};
    int timeout_ms = static_cast<int>(deadline.remaining().count());
    int rc = ::poll(&entry, 1, timeout_ms);
    if (rc > 0) return Status::ok();
    if (rc == 0) return Error(errc::kTimeout, std::string(what) + ": timed out");
    if (errno != EINTR) return io_error(what, errno);
  }
}

}  // namespace

Expected<UnixStream> UnixStream::connect(const std::filesystem::path& path,
                                         const Deadline& deadline) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string& text = path.native();
  if (text.size() >= sizeof(address.sun_path)) {
    return Error(errc::kInvalidArgument, "socket path too long for AF_UNIX: " + text);
  }
  std::memcpy(address.sun_path, text.c_str(), text.size() + 1);
  while (true) {
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return io_error("socket", errno);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
      return UnixStream(fd);
    }
    int error = errno;
    ::close(fd);
    bool not_yet_listening = error == ENOENT || error == ECONNREFUSED || error == EAGAIN;
    if (!not_yet_listening) return io_error("connecting to " + text, error);
    if (deadline.expired()) return io_error("connecting to " + text + " (gave up)", error);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

UnixStream::UnixStream(UnixStream&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), buffer_(std::move(other.buffer_)) {}

UnixStream& UnixStream::operator=(UnixStream&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    buffer_ = std::move(other.buffer_);
  }
  return *this;
}

UnixStream::~UnixStream() {
  if (fd_ >= 0) ::close(fd_);
}

Status UnixStream::write_all(std::string_view bytes, const Deadline& deadline) {
  while (!bytes.empty()) {
    ssize_t written = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (written > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(written));
      continue;
    }
    if (written < 0 && errno == EINTR) continue;
    if (written < 0 && errno != EAGAIN) return io_error("writing to socket", errno);
    if (Status ready = wait_ready(fd_, POLLOUT, deadline, "writing to socket"); !ready)
      return ready;
  }
  return Status::ok();
}

Status UnixStream::fill(const Deadline& deadline) {
  char chunk[4096];
  while (true) {
    ssize_t got = ::recv(fd_, chunk, sizeof(chunk), 0);
    if (got > 0) {
      buffer_.append(chunk, static_cast<std::size_t>(got));
      return Status::ok();
    }
    if (got == 0) return Error(errc::kConnectionClosed, "socket closed by the peer");
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return io_error("reading from socket", errno);
    if (Status ready = wait_ready(fd_, POLLIN, deadline, "reading from socket"); !ready)
      return ready;
  }
}

Expected<std::string> UnixStream::read_line(const Deadline& deadline, std::size_t max_bytes) {
  while (true) {
    std::size_t end = buffer_.find('\n');
    if (end != std::string::npos) {
      std::string line = buffer_.substr(0, end);
      buffer_.erase(0, end + 1);
      return line;
    }
    if (buffer_.size() > max_bytes) return Error(errc::kLineTooLong, "line longer than limit");
    if (Status filled = fill(deadline); !filled) return filled.error();
  }
}

Expected<std::string> UnixStream::read_exact(std::size_t count, const Deadline& deadline) {
  while (buffer_.size() < count) {
    if (Status filled = fill(deadline); !filled) return filled.error();
  }
  std::string bytes = buffer_.substr(0, count);
  buffer_.erase(0, count);
  return bytes;
}

}  // namespace hotsplice::vm
