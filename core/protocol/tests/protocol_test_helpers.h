// Shared helpers for the protocol tests: decoding whole buffers, building frames by hand
// (to break one field at a time) and one sample of every message type.
#pragma once

#include <catch2/catch.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/protocol/cobs.h"
#include "core/protocol/crc32.h"
#include "core/protocol/frame_codec.h"
#include "core/protocol/messages.h"

namespace hotsplice::protocol::test {

inline std::vector<Expected<Frame>> decode_all(FrameDecoder& decoder, std::string_view bytes) {
  std::vector<Expected<Frame>> events;
  while (auto event = decoder.decode(bytes)) events.push_back(std::move(*event));
  return events;
}

inline std::vector<Expected<Frame>> decode_all(std::string_view bytes) {
  FrameDecoder decoder;
  return decode_all(decoder, bytes);
}

inline void append_u32_le(std::string& out, std::uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>(value >> shift));
}

// Frame content with every field chosen by the test; the CRC is correct unless given.
inline std::string frame_content(std::uint8_t version, std::uint32_t json_length,
                                 std::string_view json, std::string_view body = {},
                                 std::optional<std::uint32_t> crc = std::nullopt) {
  std::string content(1, static_cast<char>(version));
  append_u32_le(content, json_length);
  content += json;
  content += body;
  append_u32_le(content, crc.value_or(crc32(content)));
  return content;
}

inline std::string valid_content(std::string_view json, std::string_view body = {}) {
  return frame_content(kFrameVersion, static_cast<std::uint32_t>(json.size()), json, body);
}

inline std::string on_wire(std::string_view content) {
  return std::string(1, '\0') + cobs_encode(content) + std::string(1, '\0');
}

inline std::string encoded(const Json& message, std::string_view body = {}) {
  auto bytes = encode_frame(message, body);
  REQUIRE(bytes);
  return *bytes;
}

inline std::string encoded(const Message& message) {
  auto bytes = encode_message(message);
  REQUIRE(bytes);
  return *bytes;
}

inline KernelIdentity sample_kernel() {
  return {"6.1.0-18-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)",
          "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567"};
}

inline std::string sample_sha256() {
  return std::string(64, 'a');
}

inline std::vector<Message> one_of_each_message() {
  std::vector<AppliedPatch> patches{{"cve-2024-1086.1", "hotsplice_cve_2024_1086", true, false},
                                    {"fix-7", "hotsplice_fix_7", false, true}};
  return {
      Hello{Correlation::request(1),
            kProtocolVersion,
            "hotsplice 0.1.0",
            Role::host,
            {"chunked_transfer", "rollback"},
            sample_kernel(),
            {},
            {Environment::Kind::bare_metal, ""}},
      Hello{Correlation::reply_to(1),
            kProtocolVersion,
            "hotsplice-guestd 0.1.0",
            Role::guest,
            {},
            sample_kernel(),
            patches,
            {Environment::Kind::vm, "kvm"},
            {{"hs-bad-1", "6f1e2d3c-aaaa-4bbb-8ccc-000000000001", 1795000000,
              "crashed_last_time"}}},
      Sync{2, 0xFEDCBA9876543210ull},
      SyncAck{2, 0xFEDCBA9876543210ull},
      InventoryRequest{3},
      Inventory{3, sample_kernel(), patches},
      Offer{4, "cve-2024-1086.1", sample_sha256(), 123456},
      OfferAccept{4, 65536},
      Chunk{5, sample_sha256(), 65536, std::string("\0\x01\xff bytes\0", 10)},
      TransferComplete{5, sample_sha256(), 123456},
      Apply{6, "cve-2024-1086.1"},
      Rollback{7, "cve-2024-1086.1"},
      Result{6, true, "ok", "patch enabled", Json{{"enabled", true}, {"transition", false}}},
      Result{7, false, "module_refused", "finit_module: Operation not permitted", std::nullopt},
      Heartbeat{Correlation::request(8), 42},
      Heartbeat{Correlation::reply_to(8), 42},
      ErrorMessage{9, "bad_crc", "frame CRC-32 mismatch"},
      ErrorMessage{std::nullopt, "truncated_frame", "frame ends inside a COBS block"},
  };
}

}  // namespace hotsplice::protocol::test
