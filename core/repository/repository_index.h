// The repository index: the one signed document that says which bundles a repository
// offers, which exact kernel each is for, and how fresh that statement is. Clients trust a
// bundle file only if the index lists it with the same sha256, size, id and target.
// Format, signing and the client's rules: docs/repository.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/expected.h"
#include "core/bundle/trusted_keys.h"
#include "core/crypto/ed25519.h"
#include "core/kernel/kernel_identity.h"

namespace hotsplice::repository {

inline constexpr std::uint64_t kIndexSchemaVersion = 1;
inline constexpr std::size_t kMaxIndexBytes = 4 << 20;  // about 10 000 entries' worth
inline constexpr std::size_t kMaxIndexEntries = 4096;
inline constexpr std::size_t kMaxBundleFileNameLength = 128;
// File names inside a repository (and inside the cache directory).
inline constexpr std::string_view kIndexFileName = "index.json";
inline constexpr std::string_view kIndexSignatureFileName = "index.sig";

using Seconds = std::chrono::sys_seconds;  // UTC, whole seconds since the epoch

// One bundle the repository offers, as the index describes it.
struct IndexEntry {
  std::string id;                 // the bundle manifest's id
  std::string file;               // file name in the repository: a safe name ending in ".hsb"
  std::string sha256;             // lower-case hex over the whole .hsb file
  std::uint64_t size = 0;         // bytes of the whole .hsb file, 1..max_bundle_bytes()
  KernelIdentity target;          // the manifest's target, exactly
  std::vector<std::string> cves;  // the manifest's cves, same order
  bool operator==(const IndexEntry&) const = default;
};

struct RepositoryIndex {
  std::uint64_t schema = kIndexSchemaVersion;
  std::uint64_t version = 0;  // grows with every index a repository publishes
  Seconds generated{};        // when the publisher signed it
  Seconds expires{};          // after this a client refuses it (a frozen mirror shows up)
  std::vector<IndexEntry> bundles;
  bool operator==(const RepositoryIndex&) const = default;
};

// Parses index.json strictly: unknown fields, duplicate keys, repeated ids or file names,
// unsafe file names, malformed hashes/CVEs/kernel identities and anything over the bounds
// above are refused with errc::kIndexMalformed (errc::kIndexUnsupportedSchema for another
// schema), the message naming the field ("index.bundles[2].sha256: ...").
Expected<RepositoryIndex> parse_index(std::string_view bytes);

// Canonical text (sorted keys, two-space indent, final newline). Validates by parsing its
// own output, so nothing written here would be refused by parse_index.
Expected<std::string> serialize_index(const RepositoryIndex& index);

struct SignedIndex {
  RepositoryIndex index;
  std::string key_id;  // who signed it
};

// Checks index.sig (the bundle signature document: {"algorithm","key_id","signature"})
// against the exact bytes of index.json, then parses them. Codes: kIndexSignatureMalformed,
// kIndexUnknownKey, kIndexBadSignature, then those of parse_index. Says nothing about
// freshness: see check_index_freshness.
Expected<SignedIndex> verify_index(std::string_view index_bytes, std::string_view signature,
                                   const TrustedKeys& keys);

// The index.sig document for index_bytes.
Expected<std::string> sign_index(std::string_view index_bytes, const Ed25519PrivateKey& key);

// How far a publisher's clock may run ahead of ours before an index counts as future-dated.
inline constexpr std::chrono::seconds kAllowedClockSkew{300};

// The client's rules for a verified index, given what it accepted before:
//  - version below highest_accepted: kIndexReplayed (a mirror serving an old index);
//  - expires at or before now: kIndexExpired (a mirror frozen in time);
//  - generated more than kAllowedClockSkew after now: kIndexFromFuture (a wrong clock
//    here or there; accepting it would lock out the publisher's real next index).
// Messages name both versions or both times. highest_accepted is 0 before the first sync.
// An equal version is left to the caller (same bytes: nothing new; other bytes: reused).
Status check_index_freshness(const RepositoryIndex& index, std::uint64_t highest_accepted,
                             Seconds now);

std::string format_time(Seconds time);

}  // namespace hotsplice::repository
