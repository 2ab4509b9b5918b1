#include "hostagent/channel_connection.h"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "hostagent/error_codes.h"

namespace hotsplice::hostd {

std::shared_ptr<ChannelConnection> ChannelConnection::create(asio::io_context& io,
                                                             ChannelOptions options,
                                                             Handlers handlers) {
  return std::shared_ptr<ChannelConnection>(
      new ChannelConnection(io, options, std::move(handlers)));
}

ChannelConnection::ChannelConnection(asio::io_context& io, ChannelOptions options,
                                     Handlers handlers)
    : strand_(asio::make_strand(io)),
      socket_(strand_),
      write_timer_(strand_),
      read_timer_(strand_),
      options_(options),
      handlers_(std::move(handlers)) {}

void ChannelConnection::connect(const std::string& path, std::function<void(Status)> done) {
  auto self = shared_from_this();
  write_timer_.expires_after(options_.connect_timeout);
  write_timer_.async_wait([self, path](boost::system::error_code ec) {
    if (!ec) self->fail(Error(errc::kChannelTimeout, "connecting to " + path + " timed out"));
  });
  socket_.async_connect(
      asio::local::stream_protocol::endpoint(path),
      asio::bind_executor(
          strand_, [self, path, done = std::move(done)](boost::system::error_code ec) {
            self->write_timer_.cancel();
            if (ec || self->closed_) {
              Error error(self->closed_ ? errc::kChannelTimeout : errc::kChannelConnect,
                          "connecting to " + path + ": " +
                              (self->closed_ ? std::string("timed out") : ec.message()));
              self->fail(error);
              done(error);
              return;
            }
            // Reads happen only when the socket is readable (read_more): never block on one.
            boost::system::error_code ignored;
            self->socket_.non_blocking(true, ignored);
            done(Status::ok());
            self->read_more();
          }));
}

// Waits until the socket is readable, then reads into one buffer shared by every connection
// on this thread: an idle guest's connection holds no read buffer. (Each holding its own
// 64 KiB made hostd's memory grow by 64 KiB per guest: 64 MiB for 1000 guests; measured with
// bench/fanout.) on_bytes gets a view that is valid only during the call, as before.
void ChannelConnection::read_more() {
  auto self = shared_from_this();
  arm_read_timer();
  socket_.async_wait(
      asio::local::stream_protocol::socket::wait_read,
      asio::bind_executor(strand_, [self](boost::system::error_code ec) {
        if (self->closed_) return;
        if (ec) {
          self->fail(Error(errc::kChannelIo, "waiting for the channel: " + ec.message()));
          return;
        }
        thread_local std::string buffer;
        if (buffer.size() < self->options_.read_chunk_bytes) {
          buffer.resize(self->options_.read_chunk_bytes);
        }
        std::size_t n = self->socket_.read_some(
            asio::buffer(buffer.data(), self->options_.read_chunk_bytes), ec);
        if (ec == asio::error::would_block || ec == asio::error::try_again) {
          self->read_more();  // readable was a false alarm: wait again
          return;
        }
        if (ec) {
          self->fail(ec == asio::error::eof
                         ? Error(errc::kChannelClosed, "the guest side closed the channel")
                         : Error(errc::kChannelIo, "reading the channel: " + ec.message()));
          return;
        }
        if (self->handlers_.on_bytes) self->handlers_.on_bytes(std::string_view(buffer.data(), n));
        if (!self->closed_) self->read_more();
      }));
}

void ChannelConnection::set_read_timeout(std::optional<std::chrono::milliseconds> timeout) {
  read_timeout_ = timeout;
  if (!closed_ && socket_.is_open()) arm_read_timer();
}

void ChannelConnection::arm_read_timer() {
  read_timer_.cancel();
  if (!read_timeout_) return;
  auto self = shared_from_this();
  read_timer_.expires_after(*read_timeout_);
  read_timer_.async_wait([self, timeout = *read_timeout_](boost::system::error_code ec) {
    if (ec || self->closed_) return;
    self->fail(Error(errc::kChannelTimeout,
                     "the guest sent nothing for " + std::to_string(timeout.count()) + " ms"));
  });
}

Status ChannelConnection::write(std::string bytes) {
  if (closed_) return Error(errc::kChannelClosed, "the channel is closed");
  if (queued_bytes_ + bytes.size() > options_.max_queued_bytes) {
    return Error(errc::kChannelQueueFull, "more than " + std::to_string(options_.max_queued_bytes) +
                                              " bytes queued for the guest: it is not reading");
  }
  queued_bytes_ += bytes.size();
  queue_.push_back(std::move(bytes));
  if (!writing_) write_next();
  return Status::ok();
}

void ChannelConnection::write_next() {
  if (queue_.empty() || closed_) {
    bool was_writing = std::exchange(writing_, false);
    if (was_writing && !closed_ && handlers_.on_drained) handlers_.on_drained();
    return;
  }
  writing_ = true;
  auto self = shared_from_this();
  write_timer_.expires_after(options_.write_timeout);
  write_timer_.async_wait([self](boost::system::error_code ec) {
    if (ec || self->closed_) return;
    self->fail(Error(errc::kChannelTimeout,
                     "the guest stopped reading (a write made no progress in " +
                         std::to_string(self->options_.write_timeout.count()) + " ms)"));
  });
  asio::async_write(socket_, asio::buffer(queue_.front()),
                    asio::bind_executor(strand_, [self](boost::system::error_code ec, std::size_t) {
                      self->write_timer_.cancel();
                      if (self->closed_) return;
                      if (ec) {
                        self->fail(Error(errc::kChannelIo, "writing the channel: " + ec.message()));
                        return;
                      }
                      self->queued_bytes_ -= self->queue_.front().size();
                      self->queue_.pop_front();
                      self->write_next();
                    }));
}

void ChannelConnection::close() {
  auto self = shared_from_this();
  asio::post(strand_, [self] { self->fail(Error(errc::kChannelClosed, "closed by hostd")); });
}

void ChannelConnection::fail(Error why) {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ignored;
  socket_.close(ignored);
  write_timer_.cancel();
  read_timer_.cancel();
  queue_.clear();  // nothing of this guest's stays in memory
  queued_bytes_ = 0;
  writing_ = false;
  if (handlers_.on_closed) {
    auto handler = std::move(handlers_.on_closed);
    handlers_ = {};
    handler(why);
  }
}

}  // namespace hotsplice::hostd
