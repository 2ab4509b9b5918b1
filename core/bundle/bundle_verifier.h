// Checking a bundle before anything in it is trusted, in this order: container, signature
// document, key, signature over the manifest's exact bytes, manifest, module size and
// sha256. Only a bundle that passes all of them is handed on; the kernel-identity check
// (check_bundle_target) is separate because only the machine that loads it knows its kernel.
#pragma once

#include <string>
#include <string_view>

#include "core/base/expected.h"
#include "core/bundle/bundle_file.h"
#include "core/bundle/manifest.h"
#include "core/bundle/trusted_keys.h"
#include "core/crypto/ed25519.h"
#include "core/kernel/kernel_identity.h"

namespace hotsplice {

struct VerifiedBundle {
  Manifest manifest;
  std::string module;
  std::string key_id;
};

// Error codes: those of decode_bundle, parse_signature and parse_manifest, and
// "unknown_key", "bad_signature", "module_size_mismatch", "module_sha256_mismatch".
Expected<VerifiedBundle> verify_bundle(BundleParts parts, const TrustedKeys& keys);
Expected<VerifiedBundle> verify_bundle_bytes(std::string_view bytes, const TrustedKeys& keys);

// "wrong_kernel" unless the running kernel is exactly the bundle's target (release, version
// and build-id).
Status check_bundle_target(const Manifest& manifest, const KernelIdentity& running);

// Fills in the module's sha256 and size, serialises the manifest and signs it.
Expected<BundleParts> make_signed_bundle(Manifest manifest, std::string module,
                                         const Ed25519PrivateKey& key);

}  // namespace hotsplice
