#include "core/protocol/frame_codec.h"

#include <cstdio>
#include <cstring>

#include "core/base/error_codes.h"
#include "core/protocol/crc32.h"
#include "core/protocol/error_codes.h"

namespace hotsplice::protocol {
namespace {

void append_u32_le(std::string& out, std::uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) {
    out.push_back(static_cast<char>((value >> shift) & 0xFFu));
  }
}

std::uint32_t read_u32_le(std::string_view bytes) {
  std::uint32_t value = 0;
  for (int i = 3; i >= 0; --i) {
    value = value << 8 | static_cast<std::uint8_t>(bytes[static_cast<std::size_t>(i)]);
  }
  return value;
}

std::string hex32(std::uint32_t value) {
  char text[11];
  std::snprintf(text, sizeof text, "0x%08x", static_cast<unsigned>(value));
  return text;
}

}  // namespace

Expected<std::string> encode_frame(const Json& message, std::string_view body,
                                   std::size_t max_frame_bytes) {
  std::string wire;
  if (Status appended = append_frame(message, body, wire, max_frame_bytes); !appended) {
    return appended.error();
  }
  return wire;
}

Status append_frame(const Json& message, std::string_view body, std::string& out,
                    std::size_t max_frame_bytes) {
  // Strings from the local system (uname output, file names) may hold invalid UTF-8; the
  // replacement character keeps such a message sendable instead of throwing.
  std::string json = message.dump(-1, ' ', false, Json::error_handler_t::replace);
  std::size_t content_size = kFrameOverheadBytes + json.size() + body.size();
  if (content_size > max_frame_bytes) {
    return Error(errc::kFrameTooLarge, "frame of " + std::to_string(content_size) +
                                           " bytes exceeds the limit of " +
                                           std::to_string(max_frame_bytes));
  }
  std::string content;
  content.reserve(content_size);
  content.push_back(static_cast<char>(kFrameVersion));
  append_u32_le(content, static_cast<std::uint32_t>(json.size()));
  content += json;
  content += body;
  append_u32_le(content, crc32(content));

  out.reserve(out.size() + content_size + content_size / 254 + 3);
  out.push_back(kFrameDelimiter);
  cobs_encode_into(content, out);
  out.push_back(kFrameDelimiter);
  return Status::ok();
}

std::optional<Expected<Frame>> FrameDecoder::decode(std::string_view& input) {
  while (!input.empty()) {
    if (input.front() == kFrameDelimiter) {
      input.remove_prefix(1);
      if (auto decoded = end_of_run()) return decoded;
      continue;
    }
    // The encoded bytes up to the next delimiter (or all of input) belong to this frame.
    const void* delimiter = std::memchr(input.data(), kFrameDelimiter, input.size());
    const std::size_t run =
        delimiter != nullptr
            ? static_cast<std::size_t>(static_cast<const char*>(delimiter) - input.data())
            : input.size();
    if (skipping_oversized_) {
      run_bytes_ += run;
      discarded_bytes_ += run;
      input.remove_prefix(run);
      continue;
    }
    const std::size_t used = cobs_.decode(input.substr(0, run), content_, max_frame_bytes_);
    run_bytes_ += used;
    input.remove_prefix(used);
    if (content_.size() > max_frame_bytes_) {
      // Report now rather than at the delimiter: a peer that never sends one must not be
      // able to make us wait, or buffer, without end.
      discarded_bytes_ += run_bytes_;
      skipping_oversized_ = true;
      content_.clear();
      cobs_.reset();
      return Error(errc::kFrameTooLarge, "frame exceeds the limit of " +
                                             std::to_string(max_frame_bytes_) +
                                             " bytes; skipping to the next delimiter");
    }
  }
  return std::nullopt;
}

std::optional<Expected<Frame>> FrameDecoder::end_of_run() {
  if (run_bytes_ == 0) return std::nullopt;  // empty frame: delimiters back to back
  if (skipping_oversized_) {                 // already reported when it grew too large
    start_next_run();
    return std::nullopt;
  }
  Expected<Frame> frame =
      cobs_.complete() ? parse_content()
                       : Error(errc::kTruncatedFrame, "frame ends inside a COBS block after " +
                                                          std::to_string(run_bytes_) + " bytes");
  if (!frame) discarded_bytes_ += run_bytes_;
  start_next_run();
  return frame;
}

void FrameDecoder::start_next_run() {
  content_.clear();
  // A frame near the limit leaves a large buffer behind; give it back rather than hold a
  // megabyte per idle channel.
  if (content_.capacity() > 64 * 1024) content_.shrink_to_fit();
  cobs_.reset();
  run_bytes_ = 0;
  skipping_oversized_ = false;
}

Expected<Frame> FrameDecoder::parse_content() const {
  std::string_view content = content_;
  if (content.size() < kFrameOverheadBytes) {
    return Error(errc::kTruncatedFrame, "frame of " + std::to_string(content.size()) +
                                            " bytes is shorter than its fixed fields (" +
                                            std::to_string(kFrameOverheadBytes) + ")");
  }
  // The checksum comes first: for garbage it is the one check that says so reliably.
  std::string_view checked = content.substr(0, content.size() - 4);
  std::uint32_t expected_crc = read_u32_le(content.substr(content.size() - 4));
  std::uint32_t actual_crc = crc32(checked);
  if (expected_crc != actual_crc) {
    return Error(errc::kBadCrc,
                 "frame CRC-32 is " + hex32(actual_crc) + ", trailer says " + hex32(expected_crc));
  }
  auto version = static_cast<std::uint8_t>(checked[0]);
  if (version != kFrameVersion) {
    return Error(errc::kBadVersion, "frame version " + std::to_string(version) +
                                        ", this side speaks " + std::to_string(kFrameVersion));
  }
  std::uint32_t json_length = read_u32_le(checked.substr(1, 4));
  std::string_view payload = checked.substr(5);
  if (json_length > payload.size()) {
    return Error(errc::kBadJsonLength, "json length " + std::to_string(json_length) +
                                           " runs past the end of the frame (" +
                                           std::to_string(payload.size()) + " bytes left)");
  }
  auto message = parse_json(payload.substr(0, json_length), "frame json", kMaxMessageDepth);
  if (!message) return message.error();
  if (!message->is_object()) {
    return Error(hotsplice::errc::kInvalidJson,
                 std::string("frame json: expected an object, found ") + message->type_name());
  }
  return Frame{std::move(*message), std::string(payload.substr(json_length))};
}

}  // namespace hotsplice::protocol
