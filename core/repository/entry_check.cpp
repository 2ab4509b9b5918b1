#include "core/repository/entry_check.h"

#include "core/crypto/sha256.h"
#include "core/repository/error_codes.h"

namespace hotsplice::repository {
namespace {

std::string cve_list(const std::vector<std::string>& cves) {
  std::string text = "[";
  for (const auto& cve : cves) text += (text.size() > 1 ? "," : "") + cve;
  return text + "]";
}

}  // namespace

Expected<VerifiedBundle> check_bundle_against_entry(std::string_view bytes, const IndexEntry& entry,
                                                    const TrustedKeys& keys) {
  const std::string& file = entry.file;
  if (bytes.size() != entry.size) {
    return Error(errc::kBundleSizeMismatch, file + ": " + std::to_string(bytes.size()) +
                                                " bytes but the index lists " +
                                                std::to_string(entry.size) +
                                                (bytes.size() < entry.size ? " (truncated)" : ""));
  }
  std::string actual = sha256_hex(bytes);
  if (actual != entry.sha256) {
    return Error(errc::kBundleSha256Mismatch,
                 file + ": sha256 " + actual + " but the index lists " + entry.sha256);
  }
  auto verified = verify_bundle_bytes(bytes, keys);
  if (!verified) return verified.error().with_context(file);
  const Manifest& manifest = verified->manifest;
  std::string difference;
  if (manifest.id != entry.id) {
    difference = "id \"" + manifest.id + "\" but the index lists \"" + entry.id + "\"";
  } else if (manifest.target != entry.target) {
    difference = "target " + describe(manifest.target) + " \"" + manifest.target.version +
                 "\" but the index lists " + describe(entry.target) + " \"" + entry.target.version +
                 "\"";
  } else if (manifest.cves != entry.cves) {
    difference = "cves " + cve_list(manifest.cves) + " but the index lists " + cve_list(entry.cves);
  }
  if (!difference.empty()) {
    return Error(errc::kBundleEntryMismatch, file + ": the bundle's manifest says " + difference);
  }
  return verified;
}

}  // namespace hotsplice::repository
