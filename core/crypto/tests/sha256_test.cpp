#include <catch2/catch.hpp>

#include "core/base/hex.h"
#include "core/crypto/sha256.h"
#include "tests/support/temp_dir.h"

TEST_CASE("sha256 matches the FIPS 180-2 test vectors") {
  CHECK(hotsplice::sha256_hex("abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hotsplice::sha256_hex("") ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("incremental and file hashing agree with one-shot hashing") {
  std::string data(200000, 'q');
  hotsplice::Sha256 hasher;
  hasher.update(std::string_view(data).substr(0, 12345));
  hasher.update(std::string_view(data).substr(12345));
  CHECK(hasher.finish() == hotsplice::sha256(data));

  hotsplice::testing::TempDir dir;
  auto path = dir.write("blob", data);
  auto from_file = hotsplice::sha256_file(path);
  REQUIRE(from_file);
  CHECK(*from_file == hotsplice::sha256(data));
}
