#include "core/bundle/bundle_verifier.h"

#include "core/bundle/bundle_signature.h"
#include "core/bundle/error_codes.h"
#include "core/crypto/sha256.h"

namespace hotsplice {

Expected<VerifiedBundle> verify_bundle(BundleParts parts, const TrustedKeys& keys) {
  auto signature = parse_signature(parts.signature);
  if (!signature) return signature.error();
  const Ed25519PublicKey* key = keys.find(signature->key_id);
  if (key == nullptr) {
    return Error(bundle::errc::kUnknownKey,
                 "bundle is signed by key " + signature->key_id + ", which is not among the " +
                     std::to_string(keys.size()) + " trusted keys in " + keys.directory().string());
  }
  if (!key->verify(parts.manifest, signature->signature)) {
    return Error(bundle::errc::kBadSignature,
                 "the signature by key " + signature->key_id +
                     " does not match the manifest: the bundle was altered "
                     "or signed by another key");
  }
  auto manifest = parse_manifest(parts.manifest);
  if (!manifest) return manifest.error();
  if (parts.module.size() != manifest->module.size) {
    return Error(bundle::errc::kModuleSizeMismatch,
                 "module is " + std::to_string(parts.module.size()) +
                     " bytes but the manifest says " + std::to_string(manifest->module.size));
  }
  std::string actual = sha256_hex(parts.module);
  if (actual != manifest->module.sha256) {
    return Error(
        bundle::errc::kModuleSha256Mismatch,
        "module sha256 is " + actual + " but the manifest says " + manifest->module.sha256);
  }
  return VerifiedBundle{std::move(*manifest), std::move(parts.module), signature->key_id};
}

Expected<VerifiedBundle> verify_bundle_bytes(std::string_view bytes, const TrustedKeys& keys) {
  auto parts = decode_bundle(bytes);
  if (!parts) return parts.error();
  return verify_bundle(std::move(*parts), keys);
}

Status check_bundle_target(const Manifest& manifest, const KernelIdentity& running) {
  const KernelIdentity& target = manifest.target;
  if (target == running) return Status::ok();
  std::string difference;
  if (target.release != running.release) {
    difference = "release " + target.release + " vs running " + running.release;
  } else if (target.build_id != running.build_id) {
    difference = "build-id " + target.build_id + " vs running " + running.build_id;
  } else {
    difference = "version \"" + target.version + "\" vs running \"" + running.version + "\"";
  }
  return Error(bundle::errc::kWrongKernel,
               "bundle " + manifest.id + " is for another kernel: " + difference);
}

Expected<BundleParts> make_signed_bundle(Manifest manifest, std::string module,
                                         const Ed25519PrivateKey& key) {
  manifest.module.size = module.size();
  manifest.module.sha256 = sha256_hex(module);
  auto text = serialize_manifest(manifest);
  if (!text) return text.error();
  auto signature = sign_manifest(key, *text);
  if (!signature) return signature.error();
  return BundleParts{std::move(*text), std::move(*signature), std::move(module)};
}

}  // namespace hotsplice
