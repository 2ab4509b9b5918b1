// Reads the identity of the real Debian kernel images that scripts/setup installs.
#include <catch2/catch.hpp>

#include "core/base/file_io.h"
#include "core/base/hex.h"
#include "core/kernel/kernel_image.h"

using hotsplice::read_kernel_image_identity;

namespace {

const char* kImage56 = "/boot/vmlinuz-6.1.0-56-amd64";
const char* kImage53 = "/boot/vmlinuz-6.1.0-53-amd64";

std::string load(const char* path) {
  auto image = hotsplice::read_file(path, hotsplice::kMaxKernelImageBytes);
  INFO(path << " is installed by scripts/setup");
  REQUIRE(image);
  return *image;
}

std::string error_code_for(const std::string& image) {
  auto identity = read_kernel_image_identity(image);
  REQUIRE_FALSE(identity);
  return identity.error().code();
}

}  // namespace

TEST_CASE("identity of the installed Debian kernel images") {
  auto newest = hotsplice::read_kernel_image_identity_file(kImage56);
  REQUIRE(newest);
  CHECK(newest->release == "6.1.0-56-amd64");
  CHECK_THAT(newest->version, Catch::StartsWith("#1 SMP PREEMPT_DYNAMIC Debian 6.1."));
  CHECK(hotsplice::is_lower_hex(newest->build_id, 40));
  // Checked independently with python3 lzma and `readelf -n` on the decompressed payload.
  CHECK(newest->build_id == "eb4fbcd037e7253717950bf2b93bd5566f47c56f");

  auto older = hotsplice::read_kernel_image_identity_file(kImage53);
  REQUIRE(older);
  CHECK(older->release == "6.1.0-53-amd64");
  CHECK(older->build_id != newest->build_id);
  CHECK(older->version != newest->version);
}

TEST_CASE("kernel images: malformed input is refused with a precise code") {
  std::string image = load(kImage56);
  CHECK(error_code_for("") == "not_bzimage");
  CHECK(error_code_for(std::string(4096, 'x')) == "not_bzimage");
  CHECK(error_code_for(image.substr(0, 0x210)) == "image_truncated");
  CHECK(error_code_for(image.substr(0, image.size() / 2)) == "image_truncated");

  // The payload starts at (setup_sects + 1) * 512 + payload_offset.
  std::size_t sectors = static_cast<unsigned char>(image[0x1f1]);
  std::size_t offset = 0;
  for (int i = 0; i < 4; ++i)
    offset |= std::size_t{static_cast<unsigned char>(image[0x248 + i])} << (8 * i);
  std::size_t payload = (sectors + 1) * 512 + offset;

  // LZ4 (legacy frame) is not read; gzip is, and XZ bytes under a gzip magic are corrupt.
  auto lz4 = image;
  lz4[payload] = '\x02';
  lz4[payload + 1] = '\x21';
  lz4[payload + 2] = '\x4c';
  lz4[payload + 3] = '\x18';
  CHECK(error_code_for(lz4) == "unsupported_compression");
  auto gzip = image;
  gzip[payload] = '\x1f';
  gzip[payload + 1] = '\x8b';
  CHECK(error_code_for(gzip) == "decompress_failed");

  auto corrupt = image;
  for (std::size_t i = payload + 4096; i < payload + 8192; ++i) corrupt[i] ^= 0x5a;
  auto refused = read_kernel_image_identity(corrupt);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == "decompress_failed");
  CHECK_THAT(refused.error().message(), Catch::StartsWith("decompressing the kernel payload: XZ:"));

  auto bad_version = image;
  std::size_t version_at =
      (static_cast<unsigned char>(image[0x20e]) | static_cast<unsigned char>(image[0x20f]) << 8) +
      0x200;
  bad_version.replace(version_at, 16, "nonsense-without");
  CHECK(error_code_for(bad_version) == "invalid_value");
}
