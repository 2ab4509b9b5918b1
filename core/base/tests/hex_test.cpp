#include <catch2/catch.hpp>

#include "core/base/hex.h"

TEST_CASE("hex round trip") {
  std::vector<std::uint8_t> bytes{0x00, 0x7f, 0x80, 0xff};
  CHECK(hotsplice::to_hex(bytes) == "007f80ff");
  auto decoded = hotsplice::from_hex("007F80ff");
  REQUIRE(decoded);
  CHECK(*decoded == bytes);
}

TEST_CASE("from_hex rejects odd length and non-hex characters") {
  auto odd = hotsplice::from_hex("abc");
  REQUIRE_FALSE(odd);
  CHECK(odd.error().code() == "invalid_hex");
  auto bad = hotsplice::from_hex("00zz");
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message(), Catch::Contains("position 2"));
}

TEST_CASE("is_lower_hex checks length and case") {
  CHECK(hotsplice::is_lower_hex("0a1b", 4));
  CHECK_FALSE(hotsplice::is_lower_hex("0A1B", 4));
  CHECK_FALSE(hotsplice::is_lower_hex("0a1", 4));
}
