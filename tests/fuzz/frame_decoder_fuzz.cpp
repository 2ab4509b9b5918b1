// Feeds arbitrary bytes to a FrameDecoder in chunks of varying size and parses every frame
// it yields as a message. The first input byte picks the mode and the chunking:
//   bit 7 clear: the rest is the raw byte stream, as a hostile peer would send it;
//   bit 7 set:   the rest is frame content (JSON, then 0xFE, then the body) which the target
//                frames correctly itself, since random mutations almost never keep a CRC
//                valid and the message parsers would otherwise see little input. Beyond "no crash,
//                no leak, no unbounded allocation" it checks two
// properties: a message that parsed re-encodes to a frame that decodes and parses to the
// same message, and the decoder never holds a frame larger than its limit.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/protocol/cobs.h"
#include "core/protocol/crc32.h"
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

void append_u32_le(std::string& out, std::uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>(value >> shift));
}

// A correctly framed stream around json_and_body; JSON text never holds a raw 0xFE byte, so
// the first one (if any) separates the JSON from the body.
std::string framed(std::string_view json_and_body) {
  std::size_t split = json_and_body.find('\xfe');
  std::string_view json = json_and_body.substr(0, split);
  std::string_view body =
      split == std::string_view::npos ? std::string_view() : json_and_body.substr(split + 1);
  std::string content(1, static_cast<char>(hotsplice::protocol::kFrameVersion));
  append_u32_le(content, static_cast<std::uint32_t>(json.size()));
  content += json;
  content += body;
  append_u32_le(content, hotsplice::protocol::crc32(content));
  return std::string(1, '\0') + hotsplice::protocol::cobs_encode(content) + std::string(1, '\0');
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // Low bits of the first byte pick the chunking, so one stream is cut at many places.
  const std::size_t stride = data[0] % 64 + 1;
  const bool frame_it_here = (data[0] & 0x80) != 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::string stream = frame_it_here ? framed(input) : std::string();
  std::string_view rest = frame_it_here ? std::string_view(stream) : input;
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
