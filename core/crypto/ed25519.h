// Ed25519 keys and signatures (OpenSSL 3). Keys are stored as PEM (PKCS#8 for private
// keys, SubjectPublicKeyInfo for public keys) so that `openssl pkey` can read them too.
// A key id is the first 8 bytes of SHA-256 over the raw 32-byte public key, in hex: short
// enough to print, long enough to tell an operator's keys apart.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/base/expected.h"

namespace hotsplice {

using Ed25519Signature = std::array<std::uint8_t, 64>;

struct PkeyDeleter {
  void operator()(void* key) const;
};
using PkeyHandle = std::unique_ptr<void, PkeyDeleter>;

class Ed25519PublicKey {
 public:
  static Expected<Ed25519PublicKey> from_pem(std::string_view pem);
  std::string to_pem() const;
  std::string key_id() const;
  // True only when signature is a valid Ed25519 signature of message by this key.
  bool verify(std::string_view message, const Ed25519Signature& signature) const;

 private:
  friend class Ed25519PrivateKey;
  explicit Ed25519PublicKey(PkeyHandle key);
  PkeyHandle key_;
};

class Ed25519PrivateKey {
 public:
  static Expected<Ed25519PrivateKey> generate();
  static Expected<Ed25519PrivateKey> from_pem(std::string_view pem);
  std::string to_pem() const;
  Ed25519PublicKey public_key() const;
  Expected<Ed25519Signature> sign(std::string_view message) const;

 private:
  explicit Ed25519PrivateKey(PkeyHandle key);
  PkeyHandle key_;
};

}  // namespace hotsplice
