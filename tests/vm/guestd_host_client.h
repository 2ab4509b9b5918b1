// The host side of the agent protocol, as the VM tests drive it: connects to the runner's
// socket for org.hotsplice.agent.0 and runs core/protocol's HostSession (the engine hostd
// uses) over it with a small poll loop: sync, hello, pipelined transfers, apply, rollback,
// each bounded by the session's own timeouts.
//
// For tests that play a misbehaving host (garbage, half frames, requests left unanswered),
// raw() is a plain FrameStream on the same socket: bytes written there bypass the session.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "core/base/expected.h"
#include "core/protocol/frame_stream.h"
#include "core/protocol/host_session.h"
#include "core/protocol/messages.h"

namespace hotsplice::vm {

class AgentClient {
 public:
  // The session options the tests use: small chunks and window, so a cut transfer can stop
  // at a fine-grained offset; timeouts generous for TCG.
  static protocol::HostSessionOptions test_options();

  // Connects (retrying while the socket is not there yet) and completes sync and hello
  // within timeout.
  static Expected<AgentClient> connect(const std::filesystem::path& socket,
                                       std::chrono::milliseconds timeout = std::chrono::seconds(30),
                                       protocol::HostSessionOptions options = test_options());
  ~AgentClient();
  AgentClient(AgentClient&& other) noexcept;
  AgentClient& operator=(AgentClient&& other) noexcept;
  AgentClient(const AgentClient&) = delete;
  AgentClient& operator=(const AgentClient&) = delete;

  // The guest's hello of this connection (its kernel and patches when the host connected).
  const protocol::Hello& hello() const { return hello_; }
  // The guest's current kernel and patches.
  Expected<protocol::Inventory> inventory();
  // Offers the bundle and sends it from the offset the agent names. With stop_after_bytes,
  // stops writing before the bundle's bytes past that offset would go out (a cut transfer;
  // reconnect afterwards). Returns the offset the agent accepted.
  Expected<std::uint64_t> send_bundle(const std::string& bundle_id, const std::string& bundle,
                                      std::optional<std::uint64_t> stop_after_bytes = {});
  Expected<protocol::Result> apply(const std::string& bundle_id);
  Expected<protocol::Result> rollback(const std::string& bundle_id);

  // Closes the connection (the runner's socket takes one client at a time).
  void disconnect();

  int fd() const { return fd_; }
  // Raw frames on the same socket, bypassing the session (see above).
  protocol::FrameStream& raw() { return *raw_; }
  protocol::HostSession& session() { return *session_; }

 private:
  AgentClient(int fd, protocol::HostSessionOptions options);
  // Moves bytes (writes the session's output, feeds what arrives, ticks its timers) until
  // the session has an event. stop_after_bytes: see send_bundle.
  Expected<protocol::HostEvent> next_event(std::optional<std::uint64_t> stop_after_bytes = {});
  Expected<protocol::Result> request_result(Status started, protocol::RequestKind kind);

  int fd_ = -1;
  std::unique_ptr<protocol::HostSession> session_;  // on the heap: moves keep its state
  std::unique_ptr<protocol::FrameStream> raw_;
  std::string unwritten_;  // session output taken but not yet accepted by the socket
  protocol::Hello hello_;
};

}  // namespace hotsplice::vm
