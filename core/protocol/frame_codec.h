// Framing of the host <-> guest byte stream (a virtio-serial port, or a Unix socket in tests).
//
// Frame content:  [u8 version = 1][u32 LE json_length][json][body][u32 LE CRC-32 of all before]
// On the wire:    00 <COBS(content)> 00
//
// The leading 0x00 terminates whatever a previous session left half-written in the port, so
// stale bytes cost one decode error instead of the next real frame; consecutive 0x00 bytes
// are empty frames and skipped silently. The body carries raw bytes (bundle chunks) so they
// need no base64 inside the JSON.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/expected.h"
#include "core/base/json_reader.h"
#include "core/protocol/cobs.h"

namespace hotsplice::protocol {

inline constexpr std::uint8_t kFrameVersion = 1;
inline constexpr char kFrameDelimiter = '\0';
// Version byte, json length and CRC: the decoded bytes a frame has besides json and body.
inline constexpr std::size_t kFrameOverheadBytes = 1 + 4 + 4;
// Largest decoded frame content either side accepts unless configured otherwise.
inline constexpr std::size_t kDefaultMaxFrameBytes = 1024 * 1024;
// Nesting limit for a message's JSON; messages are at most four levels deep.
inline constexpr int kMaxMessageDepth = 8;

struct Frame {
  Json message;      // always a JSON object
  std::string body;  // raw bytes after the JSON, often empty
};

// The bytes to write for one frame, delimiters included. Fails with "frame_too_large" when
// the decoded content would exceed max_frame_bytes (the peer would refuse it).
Expected<std::string> encode_frame(const Json& message, std::string_view body = {},
                                   std::size_t max_frame_bytes = kDefaultMaxFrameBytes);

// The same bytes appended to out, so a sender queueing many frames (hostd's chunks) encodes
// each straight into its output buffer. On error out is left unchanged.
Status append_frame(const Json& message, std::string_view body, std::string& out,
                    std::size_t max_frame_bytes = kDefaultMaxFrameBytes);

// Streaming decoder: feed it whatever chunks the channel delivers. It holds at most one
// frame's decoded content (max_frame_bytes + 1), whatever the peer sends.
//
// Errors (each reported once per bad frame, after which decoding resumes at the next 0x00):
//   frame_too_large  decoded content exceeds the limit; the rest of it is skipped unbuffered
//   truncated_frame  the delimiter came inside a COBS block, or before the fixed fields
//   bad_crc          checksum mismatch (corruption, garbage, or a cut-and-spliced frame)
//   bad_version      version byte is not kFrameVersion
//   bad_json_length  json_length runs past the end of the frame
//   invalid_json     the JSON does not parse, nests too deep, or is not an object
class FrameDecoder {
 public:
  explicit FrameDecoder(std::size_t max_frame_bytes = kDefaultMaxFrameBytes)
      : max_frame_bytes_(max_frame_bytes) {}

  // Consumes input until one frame or one error is complete, advancing input past the bytes
  // used, and returns it; returns nullopt once input is exhausted without either. Partial
  // frames are kept for the next call. Typical use:
  //   std::string_view input(buffer, length);
  //   while (auto decoded = decoder.decode(input)) handle(std::move(*decoded));
  std::optional<Expected<Frame>> decode(std::string_view& input);

  // Encoded bytes (delimiters excluded) that belonged to frames reported as errors.
  std::uint64_t discarded_bytes() const { return discarded_bytes_; }
  // Whether bytes of an unfinished frame are held, i.e. the stream stopped mid-frame.
  bool mid_frame() const { return run_bytes_ > 0; }

 private:
  std::optional<Expected<Frame>> end_of_run();
  Expected<Frame> parse_content() const;
  void start_next_run();

  std::size_t max_frame_bytes_;
  CobsStreamDecoder cobs_;
  std::string content_;          // decoded bytes of the current frame
  std::uint64_t run_bytes_ = 0;  // encoded bytes of the current frame so far
  bool skipping_oversized_ = false;
  std::uint64_t discarded_bytes_ = 0;
};

}  // namespace hotsplice::protocol
