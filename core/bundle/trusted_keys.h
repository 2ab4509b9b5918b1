// The set of public keys whose signatures an agent accepts: every "*.pub" PEM file in a
// directory (default /etc/hotsplice/keys.d/), indexed by key id.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "core/base/expected.h"
#include "core/crypto/ed25519.h"

namespace hotsplice {

inline constexpr const char* kDefaultKeysDirectory = "/etc/hotsplice/keys.d";

class TrustedKeys {
 public:
  // A directory that does not exist holds no keys. An unreadable or malformed "*.pub" file
  // is an error naming the file: an operator who dropped a key in expects it to count.
  static Expected<TrustedKeys> load(const std::filesystem::path& directory);

  void add(Ed25519PublicKey key);
  const Ed25519PublicKey* find(const std::string& key_id) const;
  std::size_t size() const { return keys_.size(); }
  const std::filesystem::path& directory() const { return directory_; }

 private:
  std::filesystem::path directory_;
  std::map<std::string, Ed25519PublicKey> keys_;
};

}  // namespace hotsplice
