// The host's first step on a (re)connected channel: sync with a fresh nonce, then ignore
// everything until the sync_ack carrying that nonce. Replies to an earlier session's
// requests and half frames left in the port are dropped this way (the same role as
// qemu-ga's guest-sync-delimited).
#pragma once

#include <chrono>
#include <cstdint>

#include "core/base/expected.h"
#include "core/protocol/frame_stream.h"
#include "core/protocol/messages.h"

namespace hotsplice::protocol {

// A nonce no earlier session will have used.
std::uint64_t random_nonce();

// Sends sync {request_id, nonce} and reads until the matching sync_ack, within timeout in
// total. Errors: timeout (the guest agent is absent or slow: retry), disconnected, io_error.
Expected<SyncAck> synchronise(FrameStream& stream, std::uint32_t request_id, std::uint64_t nonce,
                              std::chrono::milliseconds timeout);

}  // namespace hotsplice::protocol
