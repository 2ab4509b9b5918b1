// The detached signature of a bundle: a small JSON document naming the algorithm, the key
// id and the Ed25519 signature over the manifest's exact bytes.
//   {"algorithm": "ed25519", "key_id": "<16 hex>", "signature": "<128 hex>"}
#pragma once

#include <string>
#include <string_view>

#include "core/base/expected.h"
#include "core/crypto/ed25519.h"

namespace hotsplice {

struct BundleSignature {
  std::string key_id;
  Ed25519Signature signature{};
};

Expected<std::string> sign_manifest(const Ed25519PrivateKey& key, std::string_view manifest);

// Fails with "signature_missing" for an empty document and "signature_malformed" for
// anything that is not exactly the document above.
Expected<BundleSignature> parse_signature(std::string_view document);

}  // namespace hotsplice
