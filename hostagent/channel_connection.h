// One guest channel as a byte pipe: a Boost.Asio unix stream socket to the path libvirt gives
// for the guest's org.hotsplice.agent.0 channel, in the Beast chat-multi pattern: the object
// lives as long as an operation holds shared_from_this(), everything runs on its own strand,
// one write is in flight at a time with a bounded queue behind it. Every write has a timeout
// and so has every read the caller waits for, so a guest that stops reading (or never
// answers) stalls only its own connection: it is closed with channel_timeout and its queue
// is dropped. The protocol on top (protocol::HostSession) sees only bytes.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/expected.h"

namespace hotsplice::hostd {

namespace asio = boost::asio;

struct ChannelOptions {
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
  // A write that makes no progress for this long means the guest stopped reading.
  std::chrono::milliseconds write_timeout{std::chrono::seconds(30)};
  // Bytes queued behind the write in flight; more is refused (the per-guest memory bound).
  std::size_t max_queued_bytes = 4 * 1024 * 1024;
  std::size_t read_chunk_bytes = 64 * 1024;  // per read, into a buffer shared per thread
};

class ChannelConnection : public std::enable_shared_from_this<ChannelConnection> {
 public:
  struct Handlers {
    std::function<void(std::string_view bytes)> on_bytes;  // what the guest sent, in order
    std::function<void(const Error& why)> on_closed;       // once, after the socket closed
    // Everything queued has been written (the moment to hand over more: the protocol
    // session produces output only as fast as the guest takes it). Optional.
    std::function<void()> on_drained;
  };

  static std::shared_ptr<ChannelConnection> create(asio::io_context& io, ChannelOptions options,
                                                   Handlers handlers);

  // Connects to the unix socket at path; done runs on the strand with channel_connect or
  // channel_timeout on failure. Reading starts on success.
  void connect(const std::string& path, std::function<void(Status)> done);
  // Queues bytes behind the write in flight. Refused with channel_queue_full beyond the
  // bound (the caller closes: a guest that does not read cannot grow our memory).
  Status write(std::string bytes);
  // While set, no byte from the guest for this long closes the connection (channel_timeout).
  // The caller sets it while it awaits an answer and clears it when idle.
  void set_read_timeout(std::optional<std::chrono::milliseconds> timeout);
  // Closes the socket; on_closed runs once with channel_closed (or the error that closed it).
  void close();

  std::size_t queued_bytes() const { return queued_bytes_; }
  bool is_open() const { return socket_.is_open(); }

 private:
  ChannelConnection(asio::io_context& io, ChannelOptions options, Handlers handlers);
  void read_more();
  void write_next();
  void arm_read_timer();
  void fail(Error why);

  asio::strand<asio::io_context::executor_type> strand_;
  asio::local::stream_protocol::socket socket_;
  asio::steady_timer write_timer_;
  asio::steady_timer read_timer_;
  ChannelOptions options_;
  Handlers handlers_;
  std::deque<std::string> queue_;  // front() is the write in flight when writing_
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closed_ = false;
  std::optional<std::chrono::milliseconds> read_timeout_;
};

}  // namespace hotsplice::hostd
