// The host's copy of a repository: the last accepted signed index and the bundles it lists
// that passed every check, in one directory (hostd: /var/lib/hotsplice/repository).
//
//   accepted.json   the accepted index.json and index.sig (exact bytes), the highest
//                   index version ever accepted, and the repository (source.describe():
//                   directory or URL) and signing key it came from, in one atomic rename
//   bundles/        <file>.hsb, each verified and matching its index entry
//   quarantine/     <file>.hsb and <file>.hsb.error: bundles that failed, for an operator
//
// Every file is written to a temporary name, fsynced and renamed, so a crash or a reader
// never sees half of one, and only bundles the accepted index lists are ever offered.
// Not thread-safe: one owner (hostd's event loop, or a command) calls it.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/base/expected.h"
#include "core/bundle/manifest.h"
#include "core/bundle/trusted_keys.h"
#include "core/kernel/kernel_identity.h"
#include "core/repository/repository_index.h"
#include "core/repository/repository_source.h"

namespace hotsplice::repository {

inline constexpr const char* kDefaultCacheDirectory = "/var/lib/hotsplice/repository";

// A bundle that passed verification and matches its index entry.
struct CachedBundle {
  IndexEntry entry;            // id, file, sha256, size, target, cves as the index says
  Manifest manifest;           // the verified manifest (same id, target and cves as entry)
  std::string key_id;          // who signed the bundle
  std::filesystem::path path;  // bundles/<file> in the cache

  const std::string& id() const { return entry.id; }
  const KernelIdentity& target() const { return entry.target; }
  // The whole .hsb file, read now; fails (errc::kBundleSha256Mismatch) if it changed on
  // disk since it was verified. At most entry.size bytes.
  Expected<std::string> bytes() const;
};

struct QuarantinedBundle {
  std::string id;
  std::string file;
  Error error;                 // why: size/sha256/entry mismatch or the verifier's code
  std::filesystem::path path;  // quarantine/<file>; empty when nothing was kept
};

struct FailedBundle {  // could not be fetched this time (network, I/O); retried next sync
  std::string id;
  Error error;
};

struct SyncReport {
  std::uint64_t index_version = 0;  // the index accepted by this sync
  bool new_index = false;           // a higher version than before was accepted
  std::vector<std::string> added;   // ids fetched and verified by this sync
  std::vector<QuarantinedBundle> quarantined;
  std::vector<std::string> unchanged;  // ids already cached and still listed
  std::vector<std::string> removed;    // ids no longer listed, deleted from bundles/
  std::vector<FailedBundle> failed;
  // Not empty when the cache held another repository's index (this one): its version was
  // not held against this repository's. The other repository's describe().
  std::string switched_from;
};

class RepositoryCache {
 public:
  // Opens (creating if needed) the cache directory and loads what it holds, re-verifying
  // the accepted index's signature and every cached bundle with keys; anything that no
  // longer verifies is not offered. Fails on I/O errors and on an unreadable accepted.json
  // (errc::kCacheStateCorrupt): silently forgetting the highest version would reopen the
  // door to replayed indexes.
  static Expected<RepositoryCache> open(std::filesystem::path directory, TrustedKeys keys);

  // Fetches index.json and index.sig from source, verifies them (verify_index), applies the
  // freshness rules (check_index_freshness against the highest version accepted so far from
  // this repository: another describe(), or the same one signed by a new key while the
  // accepted index's key is no longer trusted, starts afresh, see SyncReport::switched_from;
  // the same version is accepted only with the same bytes, else errc::kIndexVersionReused),
  // then fetches every listed bundle not already cached, each capped at its listed size.
  // A bundle that fails any check is written to quarantine/ and reported, never offered; a
  // bundle that could not be fetched is reported in `failed`. On an index-level error
  // nothing in the cache changes and the error is returned. now: the wall clock, UTC.
  Expected<SyncReport> sync(RepositorySource& source, std::chrono::system_clock::time_point now);

  // Every verified bundle of the accepted index, in index order.
  const std::vector<CachedBundle>& available() const { return available_; }
  // The bundles whose target is exactly this kernel (release, version and build-id).
  std::vector<CachedBundle> bundles_for(const KernelIdentity& kernel) const;

  // The highest index version ever accepted (0 before the first sync).
  std::uint64_t highest_version() const { return highest_version_; }
  // The repository (source.describe()) and signing key of the accepted index; "" before
  // the first sync or in a cache written before they were recorded.
  const std::string& accepted_repository() const { return accepted_repository_; }
  const std::string& accepted_key_id() const { return accepted_key_id_; }
  // The accepted index, if any (also after its expiry: the bundles it lists stay valid
  // patches; expiry only refuses new indexes).
  const std::optional<RepositoryIndex>& index() const { return index_; }
  const std::filesystem::path& directory() const { return directory_; }
  // What open() found but could not offer: the accepted index no longer verifying (a key
  // withdrawn), a cached bundle changed on disk. For the log; the next sync repairs them.
  const std::vector<Error>& load_problems() const { return load_problems_; }

  // New trusted keys (SIGHUP): used from the next sync on.
  void set_trusted_keys(TrustedKeys keys) { keys_ = std::move(keys); }

 private:
  RepositoryCache(std::filesystem::path directory, TrustedKeys keys)
      : directory_(std::move(directory)), keys_(std::move(keys)) {}
  Status load();
  Status save_accepted(std::uint64_t highest_version, std::string_view index_bytes,
                       std::string_view signature, std::string_view repository,
                       std::string_view key_id) const;
  std::filesystem::path bundle_path(const IndexEntry& entry) const;
  QuarantinedBundle quarantine(const IndexEntry& entry, std::string_view bytes, Error why) const;

  std::filesystem::path directory_;
  TrustedKeys keys_;
  std::uint64_t highest_version_ = 0;
  std::string accepted_index_bytes_;
  std::string accepted_repository_;
  std::string accepted_key_id_;
  std::optional<RepositoryIndex> index_;
  std::vector<CachedBundle> available_;
  std::vector<Error> load_problems_;
};

}  // namespace hotsplice::repository
