#include "core/crypto/ed25519.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cstdlib>
#include <span>

#include "core/base/hex.h"
#include "core/crypto/error_codes.h"
#include "core/crypto/sha256.h"

namespace hotsplice {
namespace {

EVP_PKEY* raw(const PkeyHandle& key) {
  return static_cast<EVP_PKEY*>(key.get());
}

// The most recent OpenSSL error as text, and the error queue cleared.
std::string openssl_error_text() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buffer[256];
  ERR_error_string_n(code, buffer, sizeof buffer);
  return buffer;
}

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioHandle = std::unique_ptr<BIO, BioDeleter>;

struct MdContextDeleter {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using MdContextHandle = std::unique_ptr<EVP_MD_CTX, MdContextDeleter>;

BioHandle memory_bio(std::string_view pem) {
  return BioHandle(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

std::string bio_contents(BIO* bio) {
  char* data = nullptr;
  long length = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(length));
}

bool is_ed25519(EVP_PKEY* key) {
  return EVP_PKEY_get_id(key) == EVP_PKEY_ED25519;
}

}  // namespace

void PkeyDeleter::operator()(void* key) const {
  EVP_PKEY_free(static_cast<EVP_PKEY*>(key));
}

Ed25519PublicKey::Ed25519PublicKey(PkeyHandle key) : key_(std::move(key)) {}

Expected<Ed25519PublicKey> Ed25519PublicKey::from_pem(std::string_view pem) {
  BioHandle bio = memory_bio(pem);
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (key == nullptr) {
    return Error(crypto::errc::kKeyInvalid, "not a PEM public key: " + openssl_error_text());
  }
  PkeyHandle handle(key);
  if (!is_ed25519(key)) return Error(crypto::errc::kKeyInvalid, "public key is not an Ed25519 key");
  return Ed25519PublicKey(std::move(handle));
}

std::string Ed25519PublicKey::to_pem() const {
  BioHandle bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PUBKEY(bio.get(), raw(key_));
  return bio_contents(bio.get());
}

std::string Ed25519PublicKey::key_id() const {
  std::array<std::uint8_t, 32> raw_key{};
  std::size_t length = raw_key.size();
  EVP_PKEY_get_raw_public_key(raw(key_), raw_key.data(), &length);
  Sha256Digest digest =
      sha256(std::string_view(reinterpret_cast<const char*>(raw_key.data()), length));
  return to_hex(std::span(digest).first(8));
}

bool Ed25519PublicKey::verify(std::string_view message, const Ed25519Signature& signature) const {
  MdContextHandle context(EVP_MD_CTX_new());
  if (!context || EVP_DigestVerifyInit(context.get(), nullptr, nullptr, nullptr, raw(key_)) != 1) {
    ERR_clear_error();
    return false;
  }
  int result =
      EVP_DigestVerify(context.get(), signature.data(), signature.size(),
                       reinterpret_cast<const unsigned char*>(message.data()), message.size());
  ERR_clear_error();
  return result == 1;
}

Ed25519PrivateKey::Ed25519PrivateKey(PkeyHandle key) : key_(std::move(key)) {}

Expected<Ed25519PrivateKey> Ed25519PrivateKey::generate() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (key == nullptr)
    return Error(crypto::errc::kCryptoError,
                 "Ed25519 key generation failed: " + openssl_error_text());
  return Ed25519PrivateKey(PkeyHandle(key));
}

Expected<Ed25519PrivateKey> Ed25519PrivateKey::from_pem(std::string_view pem) {
  BioHandle bio = memory_bio(pem);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (key == nullptr) {
    return Error(crypto::errc::kKeyInvalid, "not a PEM private key: " + openssl_error_text());
  }
  PkeyHandle handle(key);
  if (!is_ed25519(key))
    return Error(crypto::errc::kKeyInvalid, "private key is not an Ed25519 key");
  return Ed25519PrivateKey(std::move(handle));
}

std::string Ed25519PrivateKey::to_pem() const {
  BioHandle bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), raw(key_), nullptr, nullptr, 0, nullptr, nullptr);
  return bio_contents(bio.get());
}

Ed25519PublicKey Ed25519PrivateKey::public_key() const {
  // A fresh key object from the raw public half, so it holds no private material.
  std::array<std::uint8_t, 32> raw_key{};
  std::size_t length = raw_key.size();
  EVP_PKEY_get_raw_public_key(raw(key_), raw_key.data(), &length);
  return Ed25519PublicKey(
      PkeyHandle(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, raw_key.data(), length)));
}

Expected<Ed25519Signature> Ed25519PrivateKey::sign(std::string_view message) const {
  MdContextHandle context(EVP_MD_CTX_new());
  Ed25519Signature signature{};
  std::size_t length = signature.size();
  if (!context || EVP_DigestSignInit(context.get(), nullptr, nullptr, nullptr, raw(key_)) != 1 ||
      EVP_DigestSign(context.get(), signature.data(), &length,
                     reinterpret_cast<const unsigned char*>(message.data()), message.size()) != 1) {
    return Error(crypto::errc::kCryptoError, "Ed25519 signing failed: " + openssl_error_text());
  }
  return signature;
}

}  // namespace hotsplice
