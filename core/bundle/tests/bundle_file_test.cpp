#include <catch2/catch.hpp>

#include "core/base/file_io.h"
#include "core/bundle/bundle_file.h"
#include "tests/support/temp_dir.h"

using hotsplice::BundleParts;
using hotsplice::decode_bundle;
using hotsplice::encode_bundle;

namespace {

BundleParts sample_parts() {
  return {"{\"manifest\": 1}", "{\"sig\": 2}", std::string(1000, 'M')};
}

// Overwrites a little-endian field of the header.
void put_u64(std::string& bytes, std::size_t offset, std::uint64_t value, std::size_t width) {
  for (std::size_t i = 0; i < width; ++i) bytes[offset + i] = static_cast<char>(value >> (8 * i));
}

}  // namespace

TEST_CASE("bundle container round trip") {
  auto bytes = encode_bundle(sample_parts());
  CHECK(bytes.size() == hotsplice::kBundleHeaderSize + 15 + 10 + 1000);
  auto parts = decode_bundle(bytes);
  REQUIRE(parts);
  CHECK(parts->manifest == sample_parts().manifest);
  CHECK(parts->signature == sample_parts().signature);
  CHECK(parts->module == sample_parts().module);
}

TEST_CASE("bundle container: truncation anywhere is refused") {
  auto bytes = encode_bundle(sample_parts());
  for (std::size_t length : {std::size_t{0}, std::size_t{7}, std::size_t{27}}) {
    auto parts = decode_bundle(std::string_view(bytes).substr(0, length));
    REQUIRE_FALSE(parts);
    CHECK(parts.error().code() == "bundle_truncated");
    CHECK_THAT(parts.error().message(), Catch::Contains("header"));
  }
  auto body = decode_bundle(std::string_view(bytes).substr(0, bytes.size() - 1));
  REQUIRE_FALSE(body);
  CHECK(body.error().code() == "bundle_truncated");
  CHECK_THAT(body.error().message(), Catch::Contains("announces " + std::to_string(bytes.size())));
}

TEST_CASE("bundle container: wrong magic, version, trailing bytes") {
  auto bytes = encode_bundle(sample_parts());
  auto magic = bytes;
  magic[0] = 'X';
  CHECK(decode_bundle(magic).error().code() == "bad_magic");
  auto version = bytes;
  put_u64(version, 8, 2, 4);
  CHECK(decode_bundle(version).error().code() == "unsupported_format");
  CHECK(decode_bundle(bytes + "x").error().code() == "trailing_bytes");
}

TEST_CASE("bundle container: oversized lengths are refused before any allocation") {
  auto bytes = encode_bundle(sample_parts());
  auto huge_module = bytes;
  put_u64(huge_module, 20, UINT64_MAX, 8);
  auto parts = decode_bundle(huge_module);
  REQUIRE_FALSE(parts);
  CHECK(parts.error().code() == "bundle_too_large");
  CHECK_THAT(parts.error().message(), Catch::StartsWith("module length"));
  auto huge_manifest = bytes;
  put_u64(huge_manifest, 12, 0xffffffff, 4);
  CHECK_THAT(decode_bundle(huge_manifest).error().message(), Catch::StartsWith("manifest length"));
  auto huge_signature = bytes;
  put_u64(huge_signature, 16, 5000, 4);
  CHECK_THAT(decode_bundle(huge_signature).error().message(),
             Catch::StartsWith("signature length"));
}

TEST_CASE("bundle files are written whole and read back") {
  hotsplice::testing::TempDir dir;
  auto path = dir / "patch.hsb";
  REQUIRE(hotsplice::write_bundle_file(path, sample_parts()));
  auto parts = hotsplice::read_bundle_file(path);
  REQUIRE(parts);
  CHECK(parts->module == sample_parts().module);
  auto garbage = dir.write("garbage.hsb", "not a bundle at all, but long enough for a header");
  auto refused = hotsplice::read_bundle_file(garbage);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message(), Catch::StartsWith(garbage.string() + ": not a hotsplice"));
}
