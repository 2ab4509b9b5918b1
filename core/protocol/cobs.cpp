#include "core/protocol/cobs.h"

namespace hotsplice::protocol {
namespace {

// A block holds at most 254 data bytes; its code byte is the block length plus one.
constexpr std::uint8_t kFullBlockCode = 0xFF;

}  // namespace

std::string cobs_encode(std::string_view data) {
  std::string encoded;
  encoded.reserve(data.size() + data.size() / 254 + 2);
  std::size_t code_position = 0;
  std::uint8_t code = 1;
  encoded.push_back('\0');  // placeholder for the first block's code
  auto close_block = [&] {
    encoded[code_position] = static_cast<char>(code);
    code_position = encoded.size();
    encoded.push_back('\0');
    code = 1;
  };
  for (char c : data) {
    // A full block is closed only when more data follows, so data ending exactly at a
    // block boundary gets no empty trailing block.
    if (code == kFullBlockCode) close_block();
    if (c == '\0') {
      close_block();
      continue;
    }
    encoded.push_back(c);
    ++code;
  }
  encoded[code_position] = static_cast<char>(code);
  return encoded;
}

void CobsStreamDecoder::push(std::uint8_t byte, std::string& out) {
  if (remaining_in_block_ == 0) {
    if (zero_pending_) out.push_back('\0');
    remaining_in_block_ = static_cast<std::uint8_t>(byte - 1);
    zero_pending_ = byte != kFullBlockCode;
    return;
  }
  out.push_back(static_cast<char>(byte));
  --remaining_in_block_;
}

}  // namespace hotsplice::protocol
