#include "core/kernel/kernel_identity.h"

namespace hotsplice {
namespace {

bool is_build_id(const std::string& text) {
  if (text.empty() || text.size() % 2 != 0) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool is_printable(const std::string& text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

}  // namespace

Json to_json(const KernelIdentity& identity) {
  return Json{{"release", identity.release},
              {"version", identity.version},
              {"build_id", identity.build_id}};
}

Expected<KernelIdentity> kernel_identity_from_json(const JsonObject& object) {
  KernelIdentity identity;
  auto release = object.string("release", kMaxReleaseLength);
  if (!release) return release.error();
  if (release->empty() || !is_printable(*release) || release->find('/') != std::string::npos) {
    return object.invalid("release", "not a kernel release name");
  }
  identity.release = std::move(*release);
  auto version = object.string("version", kMaxVersionLength);
  if (!version) return version.error();
  if (!is_printable(*version)) return object.invalid("version", "contains control characters");
  identity.version = std::move(*version);
  auto build_id = object.string("build_id", kMaxBuildIdLength);
  if (!build_id) return build_id.error();
  if (!is_build_id(*build_id)) {
    return object.invalid("build_id", "expected an even number of lower-case hex digits");
  }
  identity.build_id = std::move(*build_id);
  return identity;
}

std::string describe(const KernelIdentity& identity) {
  return identity.release + " (build-id " + identity.build_id + ")";
}

}  // namespace hotsplice
