// A publisher for repository tests: a signing key, the matching trusted keys, and a
// repository directory filled through the real writer (add_bundles, publish_index), with
// bundles signed by the real bundle code. The module bytes are arbitrary: bundle and
// repository checks never look inside a module.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

#include "core/bundle/manifest.h"
#include "core/bundle/trusted_keys.h"
#include "core/crypto/ed25519.h"
#include "core/repository/repository_index.h"
#include "tests/support/temp_dir.h"

namespace hotsplice::repository::testing {

// A fixed "now" so that messages and times in the tests are reproducible.
inline const Seconds kTestNow{std::chrono::seconds(1796014800)};  // 2026-11-30T05:00:00Z

KernelIdentity newest_kernel();  // 6.1.0-56-amd64
KernelIdentity older_kernel();   // 6.1.0-53-amd64

class Publisher {
 public:
  Publisher();

  const std::filesystem::path& repo() const { return repo_; }
  const hotsplice::testing::TempDir& temp() const { return temp_; }
  const Ed25519PrivateKey& key() const { return key_; }
  // A key set holding the publisher's public key, for clients.
  TrustedKeys trusted_keys() const;

  // A signed bundle's bytes (not written anywhere).
  std::string bundle(const std::string& id, const KernelIdentity& target,
                     const std::string& module = "module bytes") const;
  // Writes a bundle into the repository as <id>.hsb.
  std::filesystem::path add(const std::string& id, const KernelIdentity& target);
  // Publishes the next index (version one above the last), generated at `now`.
  RepositoryIndex publish(Seconds now = kTestNow,
                          std::chrono::seconds valid_for = std::chrono::days(30));
  // Re-signs index.json exactly as it is on disk (after a test edits it).
  void resign() const;

 private:
  hotsplice::testing::TempDir temp_;
  std::filesystem::path repo_;
  Ed25519PrivateKey key_;
};

}  // namespace hotsplice::repository::testing
