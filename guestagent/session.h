// The guest side of the conversation in core/protocol/messages.h: answers each message the
// host sends with zero or more replies. Knows nothing about file descriptors (channel.h
// moves the bytes), so tests drive it message by message or over a socketpair.
//
// Every message is hostile until proven otherwise: the protocol layer has already checked
// each field's form; here the order of things is checked (a chunk for a bundle that was not
// offered, an apply before the transfer completed), and PatchManager checks the bundle.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/apply/patch_manager.h"
#include "core/base/log.h"
#include "core/protocol/frame_stream.h"
#include "core/protocol/messages.h"
#include "core/protocol/transfer_receiver.h"

namespace hotsplice::guestd {

class Session {
 public:
  Session(apply::PatchManager& patches, protocol::TransferReceiver& receiver, const Logger& log)
      : patches_(patches), receiver_(receiver), log_(log) {}

  std::vector<protocol::Message> handle(protocol::Incoming incoming);

  // Capabilities announced in hello: what a host may ask of this agent.
  static std::vector<std::string> capabilities();

  // The crash-loop guard's settle time runs between messages: the channel and agent loops
  // wake at next_settle_check() (never later) and call settle(), which checks the settling
  // patches' kernel health without blocking (PatchManager::poll_settling; each conclusion
  // is logged there and shows in the next hello).
  std::optional<std::chrono::steady_clock::time_point> next_settle_check() const {
    return patches_.next_settle_check();
  }
  void settle() { (void)patches_.poll_settling(); }

 private:
  using Replies = std::vector<protocol::Message>;
  // The bundle the host offered last; its staged file is the only one kept.
  struct Offered {
    std::string bundle_id;
    std::string sha256;
    std::uint64_t size = 0;
    // When the offer was accepted: the staged log line says how long the bytes took.
    std::chrono::steady_clock::time_point at{};
  };

  Replies on(const protocol::Sync& sync);
  Replies on(const protocol::Hello& hello);
  Replies on(const protocol::InventoryRequest& request);
  Replies on(const protocol::Offer& offer);
  Replies on(const protocol::Chunk& chunk);
  Replies on(const protocol::Apply& apply);
  Replies on(const protocol::Rollback& rollback);
  Replies on(const protocol::Heartbeat& heartbeat);
  Replies on_unexpected(const protocol::Message& message);

  void remove_other_staged_bundles(const std::string& keep_sha256) const;

  apply::PatchManager& patches_;
  protocol::TransferReceiver& receiver_;
  const Logger& log_;
  std::optional<Offered> offered_;
  std::optional<std::chrono::steady_clock::time_point> last_chunk_at_;
};

protocol::Result to_result(std::uint32_t request_id, apply::Outcome outcome);

}  // namespace hotsplice::guestd
