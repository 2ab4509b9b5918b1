// The check that ties a bundle file to its index entry: the bytes must be exactly the
// listed size and sha256, pass the bundle verifier, and carry the listed id, target and
// cves. A repository that lists one bundle and serves another, or a file cut short on its
// way, fails here before anything reads the module.
#pragma once

#include <string_view>

#include "core/base/expected.h"
#include "core/bundle/bundle_verifier.h"
#include "core/bundle/trusted_keys.h"
#include "core/repository/repository_index.h"

namespace hotsplice::repository {

// Codes: errc::kBundleSizeMismatch, errc::kBundleSha256Mismatch, those of verify_bundle
// (bad_signature, unknown_key, ...), errc::kBundleEntryMismatch. Messages name the file.
Expected<VerifiedBundle> check_bundle_against_entry(std::string_view bytes, const IndexEntry& entry,
                                                    const TrustedKeys& keys);

}  // namespace hotsplice::repository
