#include "core/protocol/frame_codec.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <utility>

#include "core/protocol/cobs.h"
#include "core/protocol/crc32.h"
#include "core/protocol/tests/protocol_test_helpers.h"

namespace hotsplice::protocol {
namespace {

using test::decode_all;
using test::encoded;
using test::frame_content;
using test::on_wire;
using test::valid_content;

const Json kMessage = Json{{"type", "heartbeat"}, {"id", 7}, {"seq", 1}};

std::string random_bytes(std::mt19937& random, std::size_t size) {
  std::uniform_int_distribution<int> byte(0, 255);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(byte(random));
  return bytes;
}

// Decodes in pieces of `piece` bytes, as the channel may deliver them.
std::string cobs_decode(std::string_view encoded_bytes, std::size_t piece = SIZE_MAX) {
  CobsStreamDecoder decoder;
  std::string decoded;
  for (std::size_t at = 0; at < encoded_bytes.size(); at += piece) {
    std::string_view part = encoded_bytes.substr(at, piece);
    REQUIRE(decoder.decode(part, decoded, SIZE_MAX - 1) == part.size());
  }
  REQUIRE(decoder.complete());
  return decoded;
}

void require_error(const Expected<Frame>& event, std::string_view code) {
  INFO((event ? std::string("a frame") : event.error().code() + ": " + event.error().message()));
  REQUIRE_FALSE(event);
  CHECK(event.error().code() == code);
}

void require_frame(const Expected<Frame>& event, const Json& message, std::string_view body = {}) {
  INFO((event ? std::string("a frame") : event.error().code() + ": " + event.error().message()));
  REQUIRE(event);
  CHECK(event->message == message);
  CHECK(event->body == body);
}

TEST_CASE("crc32 matches the IEEE check value") {
  CHECK(crc32("") == 0);
  CHECK(crc32("123456789") == 0xCBF43926u);
  CHECK(crc32("56789", crc32("1234")) == 0xCBF43926u);
  CHECK(crc32("", 0xCBF43926u) == 0xCBF43926u);
}

TEST_CASE("cobs encodes the reference vectors") {
  using namespace std::string_literals;
  CHECK(cobs_encode(""s) == "\x01"s);
  CHECK(cobs_encode("\0"s) == "\x01\x01"s);
  CHECK(cobs_encode("\0\0"s) == "\x01\x01\x01"s);
  CHECK(cobs_encode("\x11\x22\0\x33"s) == "\x03\x11\x22\x02\x33"s);
  CHECK(cobs_encode("\x11\x22\x33\x44"s) == "\x05\x11\x22\x33\x44"s);
  std::string full_block(254, '\x01');
  CHECK(cobs_encode(full_block) == "\xff"s + full_block);
  CHECK(cobs_encode(full_block + "\x02"s) == "\xff"s + full_block + "\x02\x02"s);
}

TEST_CASE("cobs round-trips random data and never emits zero") {
  std::mt19937 random(1);
  for (std::size_t size : {0, 1, 253, 254, 255, 508, 509, 4096}) {
    std::string data = random_bytes(random, size);
    if (size % 3 == 0 && size > 0) data.assign(size, '\0');  // all zeros, too
    std::string encoded_bytes = cobs_encode(data);
    CHECK(encoded_bytes.find('\0') == std::string::npos);
    CHECK(encoded_bytes.size() <= size + size / 254 + 1);
    for (std::size_t piece : {std::size_t{1}, std::size_t{3}, std::size_t{255}, SIZE_MAX}) {
      CHECK(cobs_decode(encoded_bytes, piece) == data);
    }
  }
}

// The decoder of the COBS paper, one byte at a time, stopping once the output exceeds
// max_out: the reference the block-wise CobsStreamDecoder must match byte for byte.
std::pair<std::string, std::size_t> reference_cobs_decode(std::string_view encoded_bytes,
                                                          std::size_t max_out) {
  std::string out;
  std::size_t used = 0;
  int remaining = 0;
  bool zero_pending = false;
  for (char c : encoded_bytes) {
    if (out.size() > max_out) break;
    ++used;
    const auto byte = static_cast<std::uint8_t>(c);
    if (remaining == 0) {
      if (zero_pending) out.push_back('\0');
      remaining = byte - 1;
      zero_pending = byte != 0xFF;
    } else {
      out.push_back(c);
      --remaining;
    }
  }
  return {out, used};
}

TEST_CASE("cobs decoding in any pieces and under any limit matches the byte-at-a-time decoder") {
  std::mt19937 random(3);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int trial = 0; trial < 3000; ++trial) {
    // Random bytes, sparse data among zeros (padding), 0/1/2 only (runs of empty blocks next
    // to 0x01 data bytes), and long non-zero runs (full blocks).
    const int kind = trial % 4;
    std::string data(static_cast<std::size_t>(random() % 1200), '\0');
    for (char& c : data) {
      const int value = byte(random);
      c = static_cast<char>(kind == 0   ? value
                            : kind == 1 ? (value % 8 == 0 ? value : 0)
                            : kind == 2 ? value % 3
                                        : (value == 0 ? 0 : 1));
    }
    const std::string encoded_bytes = cobs_encode(data);
    const std::size_t limit = random() % (data.size() + 2);
    const auto [expected, expected_used] = reference_cobs_decode(encoded_bytes, limit);
    CobsStreamDecoder decoder;
    std::string decoded;
    std::size_t used = 0;
    while (used < encoded_bytes.size() && decoded.size() <= limit) {
      const std::size_t piece = 1 + random() % 300;
      used += decoder.decode(std::string_view(encoded_bytes).substr(used, piece), decoded, limit);
    }
    INFO("trial " << trial << ", " << data.size() << " bytes, limit " << limit);
    REQUIRE(decoded == expected);
    REQUIRE(used == expected_used);
    if (limit >= data.size()) CHECK(decoded == data);
  }
}

TEST_CASE("a frame round-trips with delimiters on both sides") {
  std::string body("\0binary\0\xff", 9);
  std::string wire = encoded(kMessage, body);
  CHECK(wire.front() == '\0');
  CHECK(wire.back() == '\0');
  CHECK(wire.substr(1, wire.size() - 2).find('\0') == std::string::npos);
  auto events = decode_all(wire);
  REQUIRE(events.size() == 1);
  require_frame(events[0], kMessage, body);
}

TEST_CASE("frames decode whatever the chunking") {
  std::string big_body(100000, 'x');
  std::string wire = encoded(kMessage) + encoded(kMessage, big_body) + encoded(kMessage);
  for (std::size_t chunk : {1, 2, 7, 254, 255, 4096, 1 << 20}) {
    FrameDecoder decoder;
    std::vector<Expected<Frame>> events;
    for (std::size_t at = 0; at < wire.size(); at += chunk) {
      auto more = decode_all(decoder, std::string_view(wire).substr(at, chunk));
      for (auto& event : more) events.push_back(std::move(event));
    }
    REQUIRE(events.size() == 3);
    require_frame(events[0], kMessage);
    require_frame(events[1], kMessage, big_body);
    require_frame(events[2], kMessage);
    CHECK(decoder.discarded_bytes() == 0);
    CHECK_FALSE(decoder.mid_frame());
  }
}

TEST_CASE("empty frames between delimiters are skipped silently") {
  std::string wire = std::string(5, '\0') + encoded(kMessage) + std::string(3, '\0');
  FrameDecoder decoder;
  auto events = decode_all(decoder, wire);
  REQUIRE(events.size() == 1);
  require_frame(events[0], kMessage);
  CHECK(decoder.discarded_bytes() == 0);
}

TEST_CASE("a truncated frame is reported and the next frame still decodes") {
  std::string wire = encoded(kMessage);
  // Cut inside the JSON, which sits in one COBS block: the delimiter arrives mid-block.
  std::string cut = wire.substr(0, wire.size() / 2);
  FrameDecoder decoder;
  auto events = decode_all(decoder, cut);
  CHECK(events.empty());
  CHECK(decoder.mid_frame());
  events = decode_all(decoder, wire);
  REQUIRE(events.size() == 2);
  require_error(events[0], "truncated_frame");
  require_frame(events[1], kMessage);
  CHECK(decoder.discarded_bytes() == cut.size() - 1);  // the leading delimiter is not lost
}

TEST_CASE("a frame shorter than its fixed fields is truncated_frame") {
  auto events = decode_all(on_wire(std::string("\x01\x02\x03", 3)));
  REQUIRE(events.size() == 1);
  require_error(events[0], "truncated_frame");
}

TEST_CASE("an oversized frame is reported once, early, and skipped without buffering") {
  FrameDecoder decoder(200);
  std::string oversized = encoded(kMessage, std::string(1000, 'b'));
  oversized.pop_back();  // no closing delimiter yet: the error must not wait for it
  auto events = decode_all(decoder, oversized);
  REQUIRE(events.size() == 1);
  require_error(events[0], "frame_too_large");
  CHECK(decode_all(decoder, std::string(5 * 1024 * 1024, '\xaa')).empty());
  events = decode_all(decoder, encoded(kMessage));
  REQUIRE(events.size() == 1);
  require_frame(events[0], kMessage);
  CHECK(decoder.discarded_bytes() == oversized.size() - 1 + 5 * 1024 * 1024);
}

TEST_CASE("a frame exactly at the limit is accepted") {
  std::string wire = encoded(kMessage, std::string(100, 'b'));
  std::size_t content_size = kFrameOverheadBytes + kMessage.dump().size() + 100;
  FrameDecoder at_limit(content_size);
  auto events = decode_all(at_limit, wire);
  REQUIRE(events.size() == 1);
  CHECK(events[0]);
  FrameDecoder below_limit(content_size - 1);
  events = decode_all(below_limit, wire);
  REQUIRE(events.size() == 1);
  require_error(events[0], "frame_too_large");
}

TEST_CASE("encode_frame refuses what the peer would refuse") {
  auto bytes = encode_frame(kMessage, std::string(2 * kDefaultMaxFrameBytes, 'b'));
  REQUIRE_FALSE(bytes);
  CHECK(bytes.error().code() == "frame_too_large");
}

TEST_CASE("a wrong CRC is bad_crc") {
  std::string json = kMessage.dump();
  auto events =
      decode_all(on_wire(frame_content(kFrameVersion, json.size(), json, "", 0x12345678)));
  REQUIRE(events.size() == 1);
  require_error(events[0], "bad_crc");

  std::string content = valid_content(json);
  content[10] ^= 0x20;  // one flipped bit inside the JSON
  events = decode_all(on_wire(content));
  REQUIRE(events.size() == 1);
  require_error(events[0], "bad_crc");
}

TEST_CASE("a wrong version is bad_version") {
  std::string json = kMessage.dump();
  for (std::uint8_t version : {0, 2, 255}) {
    auto events = decode_all(on_wire(frame_content(version, json.size(), json)));
    REQUIRE(events.size() == 1);
    require_error(events[0], "bad_version");
  }
}

TEST_CASE("a json_length past the end is bad_json_length") {
  std::string json = kMessage.dump();
  for (std::uint32_t length : {std::uint32_t(json.size() + 1), std::uint32_t(0xFFFFFFFF)}) {
    auto events = decode_all(on_wire(frame_content(kFrameVersion, length, json)));
    REQUIRE(events.size() == 1);
    require_error(events[0], "bad_json_length");
  }
}

TEST_CASE("json that does not parse, nests too deep or is not an object is invalid_json") {
  std::string deep = std::string(100, '[') + std::string(100, ']');
  for (std::string json : {std::string("{\"type\":"), std::string("[1,2]"), std::string("\"s\""),
                           deep, std::string("{} trailing"), std::string("")}) {
    auto events = decode_all(on_wire(valid_content(json)));
    REQUIRE(events.size() == 1);
    require_error(events[0], "invalid_json");
  }
}

TEST_CASE("the JSON/body split follows json_length") {
  std::string json = kMessage.dump();
  auto events = decode_all(on_wire(valid_content(json, "tail")));
  REQUIRE(events.size() == 1);
  require_frame(events[0], kMessage, "tail");
}

TEST_CASE("garbage between frames costs one error, not a frame") {
  std::string wire = encoded(kMessage) + "some garbage\x01\x02\xff" + encoded(kMessage);
  FrameDecoder decoder;
  auto events = decode_all(decoder, wire);
  REQUIRE(events.size() == 3);
  require_frame(events[0], kMessage);
  require_error(events[1], "truncated_frame");
  require_frame(events[2], kMessage);
  CHECK(decoder.discarded_bytes() == 15);
}

TEST_CASE("a stale half frame from an earlier session does not cost the next frame") {
  std::string old_frame = encoded(Json{{"type", "result"}, {"re", 3}, {"ok", true}});
  SECTION("the first half was left in the port") {
    auto events = decode_all(old_frame.substr(0, old_frame.size() / 2) + encoded(kMessage));
    REQUIRE(events.size() == 2);
    require_error(events[0], "truncated_frame");
    require_frame(events[1], kMessage);
  }
  SECTION("the reader starts in the middle of a frame") {
    auto events = decode_all(old_frame.substr(old_frame.size() / 2) + encoded(kMessage));
    REQUIRE(events.size() == 2);
    CHECK_FALSE(events[0]);
    require_frame(events[1], kMessage);
  }
}

TEST_CASE("random bytes followed by a valid frame: only errors, then the frame") {
  std::mt19937 random(20240601);
  for (int round = 0; round < 300; ++round) {
    std::string noise = random_bytes(random, random() % 3000);
    FrameDecoder decoder(4096);
    auto events = decode_all(decoder, noise + encoded(kMessage));
    REQUIRE_FALSE(events.empty());
    for (std::size_t i = 0; i + 1 < events.size(); ++i) CHECK_FALSE(events[i]);
    require_frame(events.back(), kMessage);
  }
}

}  // namespace
}  // namespace hotsplice::protocol
