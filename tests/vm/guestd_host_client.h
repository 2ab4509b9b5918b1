// The host side of the agent protocol, as the VM tests drive it: connects to the runner's
// socket for org.hotsplice.agent.0, synchronises, and sends requests with bounded waits.
// A small stand-in for hotsplice-hostd's channel code, built only on core/protocol.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/base/expected.h"
#include "core/protocol/frame_stream.h"
#include "core/protocol/messages.h"

namespace hotsplice::vm {

class AgentClient {
 public:
  // Connects (retrying while the socket is not there yet) and completes the sync step.
  static Expected<AgentClient> connect(
      const std::filesystem::path& socket,
      std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~AgentClient();
  AgentClient(AgentClient&& other) noexcept;
  AgentClient& operator=(AgentClient&& other) noexcept;
  AgentClient(const AgentClient&) = delete;
  AgentClient& operator=(const AgentClient&) = delete;

  // Sends a request and returns the first reply carrying its id (heartbeats and errors
  // without "re" are skipped). Long enough for a transition under TCG by default.
  Expected<protocol::Message> request(const protocol::Message& message,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(60));
  Expected<protocol::Hello> hello();
  // Offers the bundle and sends it from the offset the agent names, in chunks of
  // chunk_bytes; stops after stop_after_bytes (a cut transfer) when given. Returns the offset
  // the agent accepted.
  Expected<std::uint64_t> send_bundle(const std::string& bundle_id, const std::string& bundle,
                                      std::size_t chunk_bytes = 16 * 1024,
                                      std::optional<std::uint64_t> stop_after_bytes = {});
  Expected<protocol::Result> apply(const std::string& bundle_id);
  Expected<protocol::Result> rollback(const std::string& bundle_id);

  // Closes the connection (the runner's socket takes one client at a time).
  void disconnect();

  int fd() const { return fd_; }
  protocol::FrameStream& stream() { return *stream_; }
  std::uint32_t next_id() { return next_id_++; }

 private:
  explicit AgentClient(int fd);
  int fd_ = -1;
  std::unique_ptr<protocol::FrameStream> stream_;  // on the heap: moves keep its buffer
  std::uint32_t next_id_ = 1;
};

}  // namespace hotsplice::vm
