#include "core/protocol/frame_stream.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>

#include "core/base/error_codes.h"
#include "core/base/file_io.h"
#include "core/protocol/error_codes.h"

namespace hotsplice::protocol {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kReadBlockBytes = 64 * 1024;

// Waits until fd is ready for events or the deadline passes ("timeout"). Hang-up and errors
// count as ready: the read or write that follows reports them precisely.
Status wait_until_ready(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    auto remaining = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    if (remaining.count() < 0) remaining = std::chrono::milliseconds(0);
    pollfd entry{fd, events, 0};
    int ready =
        ::poll(&entry, 1, static_cast<int>(std::min<std::int64_t>(remaining.count(), INT32_MAX)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return io_error("poll", errno);
    if (ready == 0) return Error(errc::kTimeout, "peer did not respond in time");
    if (entry.revents & POLLNVAL)
      return Error(hotsplice::errc::kIoError, "poll: channel descriptor is not open");
    return Status::ok();
  }
}

}  // namespace

Incoming to_incoming(Expected<Frame> frame) {
  if (!frame) return Incoming{frame.error(), std::nullopt};
  std::optional<std::uint32_t> id = find_request_id(frame->message);
  return Incoming{parse_message(std::move(*frame)), id};
}

FrameStream::FrameStream(int fd, std::size_t max_frame_bytes)
    : fd_(fd), max_frame_bytes_(max_frame_bytes), decoder_(max_frame_bytes) {}

Status FrameStream::send(const Message& message, std::chrono::milliseconds timeout) {
  auto bytes = encode_message(message, max_frame_bytes_);
  if (!bytes) return bytes.error();
  return write_all(*bytes, Clock::now() + timeout);
}

Status FrameStream::write_all(std::string_view bytes, Clock::time_point deadline) {
  while (!bytes.empty()) {
    if (Status ready = wait_until_ready(fd_, POLLOUT, deadline); !ready) return ready;
    // send() on a socket neither blocks past poll's promise nor raises SIGPIPE; a
    // character device (a virtio-serial port) needs write().
    ssize_t written = -1;
    if (is_socket_) {
      written = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
      if (written < 0 && errno == ENOTSOCK) {
        is_socket_ = false;
        continue;
      }
    } else {
      written = ::write(fd_, bytes.data(), bytes.size());
    }
    if (written < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      if (errno == EPIPE || errno == ECONNRESET)
        return Error(errc::kDisconnected, "peer closed the channel");
      return io_error("write to channel", errno);
    }
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
  return Status::ok();
}

Expected<Incoming> FrameStream::receive(std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  for (;;) {
    std::string_view input(buffer_.data() + unread_, buffer_.size() - unread_);
    auto decoded = decoder_.decode(input);
    unread_ = buffer_.size() - input.size();
    if (decoded) return to_incoming(std::move(*decoded));
    if (Status filled = fill_buffer(deadline); !filled) return filled.error();
  }
}

Status FrameStream::fill_buffer(Clock::time_point deadline) {
  for (;;) {
    if (Status ready = wait_until_ready(fd_, POLLIN, deadline); !ready) return ready;
    buffer_.resize(kReadBlockBytes);
    ssize_t got = ::read(fd_, buffer_.data(), buffer_.size());
    int saved = errno;
    buffer_.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
    unread_ = 0;
    if (got > 0) return Status::ok();
    if (got == 0) return Error(errc::kDisconnected, "peer closed the channel");
    if (saved == EINTR || saved == EAGAIN || saved == EWOULDBLOCK) continue;
    if (saved == ECONNRESET) return Error(errc::kDisconnected, "peer reset the channel");
    return io_error("read from channel", saved);
  }
}

}  // namespace hotsplice::protocol
