// Feeds arbitrary bytes to a FrameDecoder in chunks of varying size and parses every frame
// it yields as a message. Beyond "no crash, no leak, no unbounded allocation" it checks two
// properties: a message that parsed re-encodes to a frame that decodes and parses to the
// same message, and the decoder never holds a frame larger than its limit.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/protocol/frame_codec.h"
#include "core/protocol/messages.h"

namespace {

using hotsplice::protocol::Frame;
using hotsplice::protocol::FrameDecoder;
using hotsplice::protocol::Message;

// Small enough that fuzzed inputs reach the frame_too_large path too.
constexpr std::size_t kFuzzMaxFrameBytes = 4096;

void check_round_trip(const Message& message) {
  auto wire = hotsplice::protocol::encode_message(message);
  if (!wire) __builtin_trap();  // anything that parsed must be sendable
  FrameDecoder decoder;
  std::string_view input = *wire;
  auto frame = decoder.decode(input);
  if (!frame || !*frame || !input.empty()) __builtin_trap();
  auto again = hotsplice::protocol::parse_message(std::move(**frame));
  if (!again || !(*again == message)) __builtin_trap();
}

void handle(hotsplice::Expected<Frame> frame) {
  if (!frame) return;
  if (frame->body.size() + hotsplice::protocol::kFrameOverheadBytes > kFuzzMaxFrameBytes) {
    __builtin_trap();
  }
  auto message = hotsplice::protocol::parse_message(std::move(*frame));
  if (message) check_round_trip(*message);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte picks the chunking, so the same stream is cut at many different places.
  const std::size_t stride = data[0] % 64 + 1;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  FrameDecoder decoder(kFuzzMaxFrameBytes);
  std::size_t chunk = stride;
  while (!rest.empty()) {
    std::string_view piece = rest.substr(0, chunk);
    rest.remove_prefix(piece.size());
    while (auto frame = decoder.decode(piece)) handle(std::move(*frame));
    chunk = chunk * 7 % 251 + 1;  // vary chunk sizes deterministically
  }
  return 0;
}
