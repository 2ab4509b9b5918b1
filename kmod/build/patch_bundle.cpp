#include "kmod/build/patch_bundle.h"

#include <ctime>
#include <map>

#include "core/base/file_io.h"
#include "core/bundle/bundle_file.h"
#include "core/bundle/bundle_verifier.h"
#include "core/bundle/manifest.h"
#include "core/bundle/manifest_rules.h"
#include "core/crypto/ed25519.h"
#include "core/kernel/kernel_image.h"

namespace hotsplice::build {

Status write_patch_bundle(const BundleRequest& request) {
  auto target = read_kernel_image_identity_file(request.target_image);
  if (!target) return target.error().with_context(request.target_image.string());
  auto key_pem = read_file(request.key, 64 << 10);
  if (!key_pem) return key_pem.error();
  auto key = Ed25519PrivateKey::from_pem(*key_pem);
  if (!key) return key.error().with_context(request.key.string());
  auto module = read_file(request.module, kMaxModuleBytes);
  if (!module) return module.error();

  Manifest manifest;
  manifest.id = request.id;
  manifest.description = request.description;
  manifest.cves = request.cves;
  manifest.target = *target;
  std::map<std::string, std::vector<std::string>> replaced;
  for (const auto& object : request.objects) {
    for (const auto& function : object.functions) {
      replaced[object.binary].push_back(function.old_name);
    }
  }
  for (auto& [object, functions] : replaced) {
    manifest.replaces.push_back({object, std::move(functions)});
  }
  manifest.module.name = request.module_name;
  manifest.created = format_utc_timestamp(std::time(nullptr));
  auto parts = make_signed_bundle(std::move(manifest), std::move(*module), *key);
  if (!parts) return parts.error();
  return write_bundle_file(request.output, *parts);
}

}  // namespace hotsplice::build
