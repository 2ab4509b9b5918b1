// Blocking-with-timeout message exchange over one file descriptor (a virtio-serial port, a
// Unix socket): the small synchronous helper the CLI and tests use. Waits with poll(), never
// spins. Not thread-safe; one reader and one writer per stream.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "core/base/expected.h"
#include "core/protocol/frame_codec.h"
#include "core/protocol/messages.h"

namespace hotsplice::protocol {

// One thing read from the peer: a message, or why its frame or message was refused. A
// refusal is the peer's problem, not the channel's: answer it with
// ErrorMessage::answering(incoming.message.error(), incoming.request_id) and carry on.
struct Incoming {
  Expected<Message> message;
  std::optional<std::uint32_t> request_id;  // the refused message's "id", when readable
};

// Decodes a frame decoder's output into an Incoming.
Incoming to_incoming(Expected<Frame> frame);

class FrameStream {
 public:
  // fd is borrowed, never closed here. A non-blocking fd keeps timeouts exact for writes to
  // character devices; sockets are written without blocking either way.
  explicit FrameStream(int fd, std::size_t max_frame_bytes = kDefaultMaxFrameBytes);

  // Encodes and writes the message within timeout. Errors: frame_too_large, timeout,
  // disconnected (the peer closed), io_error. After a timeout mid-frame the peer sees a
  // truncated frame, which the next frame's leading delimiter terminates.
  Status send(const Message& message, std::chrono::milliseconds timeout);

  // Reads until one frame (or one refused frame) is complete. Errors are channel failures
  // only: timeout, disconnected (end of file or hang-up), io_error.
  Expected<Incoming> receive(std::chrono::milliseconds timeout);

  const FrameDecoder& decoder() const { return decoder_; }

 private:
  Status write_all(std::string_view bytes, std::chrono::steady_clock::time_point deadline);
  Status fill_buffer(std::chrono::steady_clock::time_point deadline);

  int fd_;
  std::size_t max_frame_bytes_;
  bool is_socket_ = true;  // until send() says otherwise; sockets get MSG_NOSIGNAL
  FrameDecoder decoder_;
  std::string buffer_;  // bytes read but not yet decoded are buffer_[unread_, end)
  std::size_t unread_ = 0;
};

}  // namespace hotsplice::protocol
