// Maintaining a repository directory, the publisher's side (`hotsplice repo add|index`):
// bundles go in as <id>.hsb, and every change publishes a new index.json with a higher
// version, a fresh expiry and its index.sig. Serve the directory as it is (any static web
// server) or copy it to an air-gapped host.
#pragma once

#include <chrono>
#include <filesystem>
#include <vector>

#include "core/base/expected.h"
#include "core/bundle/trusted_keys.h"
#include "core/crypto/ed25519.h"
#include "core/repository/repository_index.h"

namespace hotsplice::repository {

inline constexpr std::chrono::days kDefaultIndexValidity{30};

// Copies each bundle into directory as "<manifest id>.hsb" after verifying it with keys.
// Refuses (errc::kDuplicateBundle) a bundle whose id the directory already holds with other
// bytes; the same bytes again are accepted. Nothing is copied unless all verify.
Status add_bundles(const std::filesystem::path& directory,
                   const std::vector<std::filesystem::path>& bundles, const TrustedKeys& keys);

// Lists every *.hsb in directory (each must verify with keys; two files with one id are
// errc::kDuplicateBundle), and writes index.json (version one above the current one's,
// or 1; generated now; expires now + valid_for) and index.sig signed with key, each
// atomically. A client fetching between the two renames sees a signature mismatch and
// tries again at its next poll. Returns the index written.
Expected<RepositoryIndex> publish_index(const std::filesystem::path& directory,
                                        const Ed25519PrivateKey& key, const TrustedKeys& keys,
                                        Seconds now,
                                        std::chrono::seconds valid_for = kDefaultIndexValidity);

}  // namespace hotsplice::repository
