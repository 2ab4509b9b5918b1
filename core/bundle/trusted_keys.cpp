#include "core/bundle/trusted_keys.h"

#include "core/base/error_codes.h"
#include "core/base/file_io.h"
#include "core/bundle/error_codes.h"

namespace hotsplice {
namespace {

constexpr std::size_t kMaxKeyFileBytes = 16 * 1024;
constexpr std::size_t kMaxKeyFiles = 1024;

}  // namespace

Expected<TrustedKeys> TrustedKeys::load(const std::filesystem::path& directory) {
  TrustedKeys keys;
  keys.directory_ = directory;
  std::error_code error;
  if (!std::filesystem::exists(directory, error)) return keys;
  std::filesystem::directory_iterator entries(directory, error);
  if (error) {
    return Error(errc::kIoError,
                 "list trusted keys in " + directory.string() + ": " + error.message());
  }
  std::size_t seen = 0;
  for (const auto& entry : entries) {
    if (entry.path().extension() != ".pub") continue;
    if (++seen > kMaxKeyFiles) {
      return Error(bundle::errc::kTooManyKeys, directory.string() + " holds more than " +
                                                   std::to_string(kMaxKeyFiles) + " keys");
    }
    auto pem = read_file(entry.path(), kMaxKeyFileBytes);
    if (!pem) return pem.error();
    auto key = Ed25519PublicKey::from_pem(*pem);
    if (!key) return key.error().with_context(entry.path().string());
    keys.add(std::move(*key));
  }
  return keys;
}

void TrustedKeys::add(Ed25519PublicKey key) {
  std::string id = key.key_id();
  keys_.insert_or_assign(std::move(id), std::move(key));
}

const Ed25519PublicKey* TrustedKeys::find(const std::string& key_id) const {
  auto found = keys_.find(key_id);
  return found == keys_.end() ? nullptr : &found->second;
}

}  // namespace hotsplice
