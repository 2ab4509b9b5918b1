#include "guestagent/channel.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <string>
#include <string_view>

#include "core/base/file_io.h"
#include "core/protocol/frame_codec.h"
#include "guestagent/memory_trim.h"

namespace hotsplice::guestd {
namespace {

constexpr std::size_t kReadBytes = 64 * 1024;

// -1 (no timeout) unless a patch is settling; then until its next check, rounded up.
int poll_timeout_ms(std::optional<std::chrono::steady_clock::time_point> next) {
  if (!next) return -1;
  auto left =
      std::chrono::ceil<std::chrono::milliseconds>(*next - std::chrono::steady_clock::now());
  return static_cast<int>(std::max<std::chrono::milliseconds::rep>(0, left.count()));
}

class Connection {
 public:
  Connection(int fd, Session& session, ChannelStats& stats, const Logger& log)
      : fd_(fd), session_(session), stats_(stats), log_(log) {}

  // Input always: a host that stops reading must not stop us from seeing it leave.
  short wanted_events() const {
    short events = POLLIN;
    if (!queued_.empty()) events |= POLLOUT;
    return events;
  }

  // nullopt: keep serving.
  std::optional<ChannelEnd> on_ready(short revents) {
    if (revents & POLLNVAL) return ChannelEnd::port_failed;
    if (revents & POLLOUT) {
      if (auto end = flush()) return end;
    }
    if (revents & POLLIN) return read_and_answer();
    // Hang-up with nothing left to read: the host side is gone.
    if (revents & POLLHUP) return ChannelEnd::host_gone;
    if (revents & POLLERR) return ChannelEnd::port_failed;
    return std::nullopt;
  }

 private:
  std::optional<ChannelEnd> read_and_answer() {
    char buffer[kReadBytes];
    ssize_t count = ::read(fd_, buffer, sizeof(buffer));
    if (count == 0) return ChannelEnd::host_gone;
    if (count < 0) {
      if (errno == EAGAIN || errno == EINTR) return std::nullopt;
      if (errno == ECONNRESET) return ChannelEnd::host_gone;
      log_.warning(io_error("reading the port", errno).message());
      return ChannelEnd::port_failed;
    }
    std::string_view input(buffer, static_cast<std::size_t>(count));
    while (auto frame = decoder_.decode(input)) {
      ++stats_.frames_received;
      // A frame that did not decode only asks for an error reply: while the host is not
      // reading, that reply would be dropped anyway, so it is not even built.
      if (!*frame && queue_full()) {
        drop_reply();
        continue;
      }
      for (const protocol::Message& reply :
           session_.handle(protocol::to_incoming(std::move(*frame)))) {
        queue(reply);
      }
    }
    return std::nullopt;
  }

  bool queue_full() const { return queued_.size() >= kMaxQueuedReplyBytes; }

  void drop_reply() {
    if (stats_.replies_dropped++ == 0) {
      log_.warning("the host is not reading: dropping replies beyond " +
                       std::to_string(kMaxQueuedReplyBytes / 1024) + " KiB queued",
                   {{"queued_bytes", queued_.size()}});
    }
  }

  // Whole replies only: a dropped reply never leaves half a frame in the queue.
  void queue(const protocol::Message& reply) {
    if (queue_full()) {
      drop_reply();
      return;
    }
    auto bytes = protocol::encode_message(reply);
    if (!bytes) {
      log_.error("cannot encode a " + std::string(protocol::type_of(reply)) +
                 " reply: " + bytes.error().message());
      return;
    }
    queued_ += *bytes;
  }

  std::optional<ChannelEnd> flush() {
    ssize_t written = ::write(fd_, queued_.data(), queued_.size());
    if (written < 0) {
      if (errno == EAGAIN || errno == EINTR) return std::nullopt;
      if (errno == EPIPE || errno == ECONNRESET) return ChannelEnd::host_gone;
      log_.warning(io_error("writing the port", errno).message());
      return ChannelEnd::port_failed;
    }
    queued_.erase(0, static_cast<std::size_t>(written));
    return std::nullopt;
  }

  int fd_;
  Session& session_;
  ChannelStats& stats_;
  const Logger& log_;
  // A fresh decoder per connection: a frame half-sent by a previous host never joins the
  // next one's first frame.
  protocol::FrameDecoder decoder_;
  std::string queued_;
};

}  // namespace

ChannelEnd serve_channel(int fd, Session& session, Signals& signals, ChannelStats& stats,
                         const Logger& log) {
  // Whatever a session allocated (decoder buffers, replies) goes back to the kernel once it
  // ends, so an idle agent's RSS does not keep the high-water mark of its last session.
  struct TrimOnExit {
    ~TrimOnExit() { give_back_free_memory(); }
  } trim;
  Connection connection(fd, session, stats, log);
  for (;;) {
    pollfd descriptors[2] = {{fd, connection.wanted_events(), 0}, {signals.fd(), POLLIN, 0}};
    int polled = ::poll(descriptors, 2, poll_timeout_ms(session.next_settle_check()));
    session.settle();
    if (polled < 0) {
      if (errno == EINTR) continue;
      log.error(io_error("poll", errno).message());
      return ChannelEnd::port_failed;
    }
    if (descriptors[1].revents != 0 && signals.drain()) return ChannelEnd::stop_requested;
    if (descriptors[0].revents != 0) {
      if (auto end = connection.on_ready(descriptors[0].revents)) return *end;
    }
  }
}

}  // namespace hotsplice::guestd
