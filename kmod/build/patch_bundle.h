// The last output of hotsplice-build: a signed bundle (core/bundle) holding the patch
// module and a manifest naming the target kernel (read from its /boot/vmlinuz image, so no
// need to boot it), the replaced functions per object, and the description and CVEs.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/base/expected.h"
#include "kmod/patchobj/patch_object.h"

namespace hotsplice::build {

struct BundleRequest {
  std::filesystem::path module;
  std::string module_name;
  std::vector<patchobj::ObjectPatch> objects;
  std::filesystem::path target_image;  // /boot/vmlinuz-<release>
  std::filesystem::path key;           // Ed25519 private key, PEM
  std::string id;
  std::string description;
  std::vector<std::string> cves;
  std::filesystem::path output;
};

Status write_patch_bundle(const BundleRequest& request);

}  // namespace hotsplice::build
