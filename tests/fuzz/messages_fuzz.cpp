// libFuzzer target: every message parser of core/protocol/messages.h, reached through
// parse_message on a decoded frame (no CRC or COBS in the way, unlike frame_decoder_fuzz).
// Input: JSON text, then optionally a 0xFE byte and the frame body (JSON text never holds a
// raw 0xFE). Anything may be refused with a named error; nothing may crash. A message that
// parsed must encode, and the encoding must parse back to the same message.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/base/json_reader.h"
#include "core/protocol/frame_codec.h"
#include "core/protocol/messages.h"
#include "tests/fuzz/support/verbose.h"

using hotsplice::protocol::Frame;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::size_t split = input.find('\xfe');
  std::string_view json_text = input.substr(0, split);
  std::string_view body =
      split == std::string_view::npos ? std::string_view() : input.substr(split + 1);
  // As the frame decoder reads it: depth-bounded, and only objects reach parse_message.
  auto json =
      hotsplice::parse_json(json_text, "fuzzed frame", hotsplice::protocol::kMaxMessageDepth);
  if (!json || !json->is_object()) return 0;
  auto message = hotsplice::protocol::parse_message(Frame{std::move(*json), std::string(body)});
  if (!message) {
    if (message.error().code().empty() || message.error().message().empty()) std::abort();
    hotsplice::fuzzing::report_refusal(message.error());
    return 0;
  }
  auto wire = hotsplice::protocol::encode_message(*message);
  if (!wire) return 0;  // a body past the default frame limit is parseable but not sendable
  hotsplice::protocol::FrameDecoder decoder;
  std::string_view stream = *wire;
  auto frame = decoder.decode(stream);
  if (!frame || !*frame) std::abort();
  auto again = hotsplice::protocol::parse_message(std::move(**frame));
  if (!again || !(*again == *message)) std::abort();
  return 0;
}
