#include "core/protocol/cobs.h"

#include <algorithm>
#include <cstring>

namespace hotsplice::protocol {
namespace {

// A block holds at most 254 data bytes; its code byte is the block length plus one.
constexpr std::uint8_t kFullBlockCode = 0xFF;
constexpr std::size_t kMaxBlockData = kFullBlockCode - 1;
// The code of an empty block: what each 0x00 of a run of zeros encodes as.
constexpr char kEmptyBlockCode = 0x01;

// Length of the run of `value` bytes at the start of [from, end), eight bytes per compare:
// bundles carry long runs of zeros (padding, .bss-like data), and each zero is one block.
std::size_t run_length(const char* from, const char* end, char value) {
  const std::uint64_t pattern = 0x0101010101010101ull * static_cast<std::uint8_t>(value);
  const char* at = from;
  while (end - at >= 8) {
    std::uint64_t word;
    std::memcpy(&word, at, sizeof word);
    if (word != pattern) break;
    at += 8;
  }
  while (at != end && *at == value) ++at;
  return static_cast<std::size_t>(at - from);
}

}  // namespace

void cobs_encode_into(std::string_view data, std::string& out) {
  out.reserve(out.size() + data.size() + data.size() / kMaxBlockData + 1);
  const char* next = data.data();
  const char* const end = next + data.size();
  // Each pass writes one block: up to 254 bytes before the next zero (or the end). A block
  // ended by a zero consumes that zero too (its code below 0xFF says "a zero follows"); a
  // full block does not, and neither does the last block.
  while (true) {
    // Each zero here ends an empty block: one code byte 0x01 per zero, appended at once.
    const std::size_t zeros = run_length(next, end, '\0');
    out.append(zeros, kEmptyBlockCode);
    next += zeros;
    const auto left = static_cast<std::size_t>(end - next);
    const std::size_t window = std::min(left, kMaxBlockData);
    const void* zero = window == 0 ? nullptr : std::memchr(next, 0, window);
    const std::size_t length =
        zero != nullptr ? static_cast<std::size_t>(static_cast<const char*>(zero) - next) : window;
    out.push_back(static_cast<char>(length + 1));
    out.append(next, length);
    next += length;
    if (zero != nullptr) {
      ++next;  // the zero the block's code stands for
      continue;
    }
    // A full block is closed only when more data follows, so data ending exactly at a
    // block boundary gets no empty trailing block.
    if (next == end) break;
  }
}

std::string cobs_encode(std::string_view data) {
  std::string encoded;
  cobs_encode_into(data, encoded);
  return encoded;
}

std::size_t CobsStreamDecoder::decode(std::string_view encoded, std::string& out,
                                      std::size_t max_out) {
  std::size_t used = 0;
  while (used < encoded.size() && out.size() <= max_out) {
    if (remaining_in_block_ == 0 && encoded[used] == kEmptyBlockCode) {
      // A run of empty blocks, i.e. of zeros: each code emits the zero its predecessor left
      // pending, the same as one at a time, stopping one byte past max_out.
      std::size_t codes =
          run_length(encoded.data() + used, encoded.data() + encoded.size(), kEmptyBlockCode);
      const std::size_t room = max_out + 1 - out.size();
      if (zero_pending_) {
        codes = std::min(codes, room);
        out.append(codes, '\0');
      } else {
        codes = std::min(codes - 1, room) + 1;
        out.append(codes - 1, '\0');
      }
      used += codes;
      zero_pending_ = true;
      continue;
    }
    if (remaining_in_block_ == 0) {
      const auto code = static_cast<std::uint8_t>(encoded[used++]);
      if (zero_pending_) out.push_back('\0');
      remaining_in_block_ = static_cast<std::uint8_t>(code - 1);
      zero_pending_ = code != kFullBlockCode;
      continue;
    }
    // Copy the rest of the block, or what is here of it, but no more than one byte past
    // max_out: the caller learns that the limit was exceeded and nothing beyond is buffered.
    const std::size_t room = max_out + 1 - out.size();
    const std::size_t length =
        std::min({static_cast<std::size_t>(remaining_in_block_), encoded.size() - used, room});
    out.append(encoded.data() + used, length);
    used += length;
    remaining_in_block_ = static_cast<std::uint8_t>(remaining_in_block_ - length);
  }
  return used;
}

}  // namespace hotsplice::protocol
