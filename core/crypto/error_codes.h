// Error codes of core/crypto (Ed25519 keys and signatures over OpenSSL). Declared once here.
#pragma once

namespace hotsplice::crypto::errc {

// A PEM file that is not a key, or a key that is not Ed25519.
inline constexpr char kKeyInvalid[] = "key_invalid";
// OpenSSL failed to generate a key or sign (the message carries OpenSSL's error queue).
inline constexpr char kCryptoError[] = "crypto_error";

}  // namespace hotsplice::crypto::errc
