#include "core/protocol/channel_sync.h"

#include <algorithm>
#include <random>

namespace hotsplice::protocol {

std::uint64_t random_nonce() {
  std::random_device random;
  return (static_cast<std::uint64_t>(random()) << 32) ^ random();
}

Expected<SyncAck> synchronise(FrameStream& stream, std::uint32_t request_id, std::uint64_t nonce,
                              std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto remaining = [&] {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    return std::max(left, std::chrono::milliseconds(0));
  };
  if (Status sent = stream.send(Sync{request_id, nonce}, remaining()); !sent) return sent.error();
  for (;;) {
    auto incoming = stream.receive(remaining());
    if (!incoming) return incoming.error();
    if (!incoming->message) continue;  // leftovers of an earlier session
    const auto* ack = std::get_if<SyncAck>(&*incoming->message);
    if (ack != nullptr && ack->nonce == nonce && ack->re == request_id) return *ack;
  }
}

}  // namespace hotsplice::protocol
