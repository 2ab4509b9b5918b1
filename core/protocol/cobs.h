// Consistent Overhead Byte Stuffing: rewrites a byte string so it contains no 0x00, at a
// cost of one byte per 254. The wire protocol uses 0x00 as the frame delimiter, so a reader
// that lost its place (garbage, a half frame from an earlier session) finds the next frame
// boundary at the next 0x00.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hotsplice::protocol {

// The encoding of data, without delimiters; never contains 0x00.
std::string cobs_encode(std::string_view data);

// Decodes an encoding one byte at a time, so a frame decoder can bound the decoded size as
// it grows instead of buffering the encoded bytes first.
class CobsStreamDecoder {
 public:
  // Decodes one encoded byte (never 0x00: that is the delimiter, handled by the caller),
  // appending the 0, 1 or 2 bytes it completes to out.
  void push(std::uint8_t byte, std::string& out);

  // Whether the bytes pushed since the last reset form a whole encoding. A delimiter that
  // arrives while this is false ends a frame that was cut short.
  bool complete() const { return remaining_in_block_ == 0; }

  void reset() { *this = CobsStreamDecoder(); }

 private:
  // Data bytes still expected in the current block; 0 means the next byte is a block code.
  std::uint8_t remaining_in_block_ = 0;
  // Every block but a full one (code 0xFF) stands for its data followed by a 0x00, except the
  // last block of the frame. So that zero is only written when another block follows.
  bool zero_pending_ = false;
};

}  // namespace hotsplice::protocol
