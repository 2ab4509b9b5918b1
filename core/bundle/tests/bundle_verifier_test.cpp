#include <catch2/catch.hpp>

#include "core/base/file_io.h"
#include "core/bundle/bundle_signature.h"
#include "core/bundle/bundle_verifier.h"
#include "core/bundle/tests/sample_bundle.h"
#include "tests/support/temp_dir.h"

using hotsplice::BundleParts;
using hotsplice::Ed25519PrivateKey;
using hotsplice::TrustedKeys;
using hotsplice::testing::sample_manifest;

namespace {

struct SignedSample {
  Ed25519PrivateKey key = std::move(Ed25519PrivateKey::generate().value());
  BundleParts parts;
  TrustedKeys keys;

  SignedSample() {
    parts = std::move(
        hotsplice::make_signed_bundle(sample_manifest(), std::string(5000, 'K'), key).value());
    keys.add(key.public_key());
  }
};

std::string verify_error(const BundleParts& parts, const TrustedKeys& keys) {
  auto verified = hotsplice::verify_bundle(parts, keys);
  REQUIRE_FALSE(verified);
  return verified.error().code();
}

}  // namespace

TEST_CASE("a signed bundle verifies and carries its manifest and module") {
  SignedSample sample;
  auto verified = hotsplice::verify_bundle(sample.parts, sample.keys);
  REQUIRE(verified);
  CHECK(verified->manifest.id == "hs-2026-0001-cmdline");
  CHECK(verified->manifest.module.size == 5000);
  CHECK(verified->module == std::string(5000, 'K'));
  CHECK(verified->key_id == sample.key.public_key().key_id());
  auto bytes = hotsplice::encode_bundle(sample.parts);
  CHECK(hotsplice::verify_bundle_bytes(bytes, sample.keys));
}

TEST_CASE("a tampered module is refused by its sha256") {
  SignedSample sample;
  sample.parts.module[100] ^= 1;
  CHECK(verify_error(sample.parts, sample.keys) == "module_sha256_mismatch");
  sample.parts.module += "extra";
  CHECK(verify_error(sample.parts, sample.keys) == "module_size_mismatch");
}

TEST_CASE("a tampered manifest is refused by the signature") {
  SignedSample sample;
  auto position = sample.parts.manifest.find("cmdline_proc_show");
  sample.parts.manifest.replace(position, 7, "CMDLINE");
  auto verified = hotsplice::verify_bundle(sample.parts, sample.keys);
  REQUIRE_FALSE(verified);
  CHECK(verified.error().code() == "bad_signature");
  CHECK_THAT(verified.error().message(), Catch::Contains(sample.key.public_key().key_id()));
}

TEST_CASE("a signature by an unknown key is refused, naming the key") {
  SignedSample sample;
  TrustedKeys other;
  other.add(Ed25519PrivateKey::generate()->public_key());
  auto verified = hotsplice::verify_bundle(sample.parts, other);
  REQUIRE_FALSE(verified);
  CHECK(verified.error().code() == "unknown_key");
  CHECK_THAT(verified.error().message(), Catch::Contains(sample.key.public_key().key_id()));
}

TEST_CASE("a signature made by another key under a trusted key id is refused") {
  SignedSample sample;
  auto mallory = Ed25519PrivateKey::generate();
  auto forged = hotsplice::sign_manifest(*mallory, sample.parts.manifest);
  REQUIRE(forged);
  auto claimed = forged->replace(forged->find("key_id") + 9, 16, sample.key.public_key().key_id());
  sample.parts.signature = claimed;
  CHECK(verify_error(sample.parts, sample.keys) == "bad_signature");
}

TEST_CASE("missing and malformed signatures") {
  SignedSample sample;
  sample.parts.signature.clear();
  CHECK(verify_error(sample.parts, sample.keys) == "signature_missing");
  sample.parts.signature = "{\"algorithm\": \"rsa\", \"key_id\": \"00\", \"signature\": \"00\"}";
  CHECK(verify_error(sample.parts, sample.keys) == "signature_malformed");
  sample.parts.signature =
      "{\"algorithm\": \"ed25519\", \"key_id\": \"0011223344556677\", "
      "\"signature\": \"abcd\"}";
  CHECK(verify_error(sample.parts, sample.keys) == "signature_malformed");
  sample.parts.signature = "\xff\xfe garbage";
  CHECK(verify_error(sample.parts, sample.keys) == "signature_malformed");
}

TEST_CASE("trusted keys are loaded from a directory of .pub files") {
  hotsplice::testing::TempDir dir;
  auto key = Ed25519PrivateKey::generate();
  dir.write("ops.pub", key->public_key().to_pem());
  dir.write("README", "not a key and not named .pub");
  auto keys = TrustedKeys::load(dir.path());
  REQUIRE(keys);
  CHECK(keys->size() == 1);
  CHECK(keys->find(key->public_key().key_id()) != nullptr);

  auto missing = TrustedKeys::load(dir / "nonexistent");
  REQUIRE(missing);
  CHECK(missing->size() == 0);

  auto broken = dir.write("broken.pub", "-----BEGIN PUBLIC KEY-----\ngarbage\n");
  auto refused = TrustedKeys::load(dir.path());
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == "key_invalid");
  CHECK_THAT(refused.error().message(), Catch::StartsWith(broken.string()));
}

TEST_CASE("check_bundle_target demands the exact running kernel") {
  auto manifest = sample_manifest();
  CHECK(hotsplice::check_bundle_target(manifest, manifest.target));
  auto other_release = manifest.target;
  other_release.release = "6.1.0-53-amd64";
  auto refused = hotsplice::check_bundle_target(manifest, other_release);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == "wrong_kernel");
  CHECK_THAT(refused.error().message(),
             Catch::Contains("release 6.1.0-56-amd64 vs running 6.1.0-53-amd64"));
  auto rebuilt = manifest.target;
  rebuilt.build_id = "00";
  CHECK_THAT(hotsplice::check_bundle_target(manifest, rebuilt).error().message(),
             Catch::Contains("build-id"));
}

TEST_CASE("a correctly signed manifest that gives a key twice is refused") {
  // One reader would take the first "id", another the last: a signature must cover one meaning.
  SignedSample sample;
  auto& manifest = sample.parts.manifest;
  manifest.insert(manifest.find('{') + 1, "\"id\": \"hs-evil\",");
  auto signature = hotsplice::sign_manifest(sample.key, manifest);
  REQUIRE(signature);
  sample.parts.signature = *signature;
  auto verified = hotsplice::verify_bundle(sample.parts, sample.keys);
  REQUIRE_FALSE(verified);
  CHECK(verified.error().code() == "invalid_json");
  CHECK_THAT(verified.error().message(), Catch::Contains("key \"id\" given twice"));
}
