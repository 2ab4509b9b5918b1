#include <catch2/catch.hpp>

#include "core/base/hex.h"
#include "core/crypto/ed25519.h"

using hotsplice::Ed25519PrivateKey;
using hotsplice::Ed25519PublicKey;

TEST_CASE("a signature verifies with its key and not after tampering") {
  auto key = Ed25519PrivateKey::generate();
  REQUIRE(key);
  auto signature = key->sign("manifest bytes");
  REQUIRE(signature);
  auto public_key = key->public_key();
  CHECK(public_key.verify("manifest bytes", *signature));
  CHECK_FALSE(public_key.verify("manifest bytes ", *signature));
  auto flipped = *signature;
  flipped[10] ^= 1;
  CHECK_FALSE(public_key.verify("manifest bytes", flipped));
}

TEST_CASE("keys survive a PEM round trip and keep their id") {
  auto key = Ed25519PrivateKey::generate();
  REQUIRE(key);
  auto reloaded = Ed25519PrivateKey::from_pem(key->to_pem());
  REQUIRE(reloaded);
  CHECK(reloaded->public_key().key_id() == key->public_key().key_id());
  auto public_reloaded = Ed25519PublicKey::from_pem(key->public_key().to_pem());
  REQUIRE(public_reloaded);
  CHECK(public_reloaded->key_id() == key->public_key().key_id());
  CHECK(hotsplice::is_lower_hex(public_reloaded->key_id(), 16));
}

TEST_CASE("another key's signature does not verify") {
  auto alice = Ed25519PrivateKey::generate();
  auto mallory = Ed25519PrivateKey::generate();
  REQUIRE(alice);
  REQUIRE(mallory);
  auto signature = mallory->sign("payload");
  REQUIRE(signature);
  CHECK_FALSE(alice->public_key().verify("payload", *signature));
  CHECK(alice->public_key().key_id() != mallory->public_key().key_id());
}

TEST_CASE("malformed PEM is rejected with key_invalid") {
  auto garbage =
      Ed25519PublicKey::from_pem("-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----\n");
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().code() == "key_invalid");
  auto empty = Ed25519PrivateKey::from_pem("");
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code() == "key_invalid");
}
