// Consistent Overhead Byte Stuffing: rewrites a byte string so it contains no 0x00, at a
// cost of one byte per 254. The wire protocol uses 0x00 as the frame delimiter, so a reader
// that lost its place (garbage, a half frame from an earlier session) finds the next frame
// boundary at the next 0x00.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hotsplice::protocol {

// Appends the encoding of data (without delimiters; never contains 0x00) to out: one block
// copy per run of non-zero bytes, so a megabyte costs a few thousand memchr/append calls,
// not a million pushes. out grows by at most data.size() + data.size() / 254 + 1 bytes.
void cobs_encode_into(std::string_view data, std::string& out);

// The encoding of data, without delimiters; never contains 0x00.
std::string cobs_encode(std::string_view data);

// Decodes an encoding incrementally, so a frame decoder can bound the decoded size as it
// grows instead of buffering the encoded bytes first, and can take the encoding in whatever
// pieces the channel delivers.
class CobsStreamDecoder {
 public:
  // Decodes encoded bytes (none of them 0x00: that is the delimiter, handled by the caller)
  // and appends what they complete to out, stopping early once out.size() exceeds max_out.
  // Returns how many bytes of encoded it consumed (all of them unless it stopped early).
  // Byte for byte the same as decoding one byte at a time and checking the size after each.
  std::size_t decode(std::string_view encoded, std::string& out, std::size_t max_out);

  // Whether the bytes decoded since the last reset form a whole encoding. A delimiter that
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
