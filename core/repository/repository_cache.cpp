#include "core/repository/repository_cache.h"

#include <algorithm>
#include <set>

#include "core/base/file_io.h"
#include "core/base/json_reader.h"
#include "core/bundle/bundle_file.h"
#include "core/crypto/sha256.h"
#include "core/repository/entry_check.h"
#include "core/repository/error_codes.h"

namespace hotsplice::repository {
namespace {

constexpr std::string_view kAcceptedFileName = "accepted.json";
constexpr std::string_view kBundlesDirectory = "bundles";
constexpr std::string_view kQuarantineDirectory = "quarantine";
// accepted.json holds the index as a JSON string: escaping can grow it up to six-fold.
constexpr std::size_t kMaxAcceptedBytes = 6 * kMaxIndexBytes + 2 * kMaxSignatureBytes + 4096;

struct AcceptedState {
  std::uint64_t highest_version = 0;
  std::string index;
  std::string signature;
  std::string repository;  // source.describe() of the sync that accepted it; "" before recorded
  std::string key_id;      // who signed the accepted index
};

Error corrupt(const std::filesystem::path& path, const Error& cause) {
  return Error(errc::kCacheStateCorrupt,
               path.string() + ": " + cause.message() +
                   " (remove it to start over; the replay protection starts again from the "
                   "next index accepted)");
}

Expected<std::optional<AcceptedState>> read_accepted(const std::filesystem::path& path) {
  std::error_code error;
  if (!std::filesystem::exists(path, error) && !error) return std::optional<AcceptedState>();
  auto text = read_file(path, kMaxAcceptedBytes);
  if (!text) return corrupt(path, text.error());
  auto json = parse_json(*text, "accepted", 2);
  if (!json) return corrupt(path, json.error());
  auto root = JsonObject::from(*json, "accepted");
  if (!root) return corrupt(path, root.error());
  if (Status known =
          root->only_fields({"highest_version", "index", "signature", "repository", "key_id"});
      !known) {
    return corrupt(path, known.error());
  }
  AcceptedState state;
  auto version = root->unsigned_integer("highest_version");
  if (!version) return corrupt(path, version.error());
  state.highest_version = *version;
  auto index = root->string("index", kMaxIndexBytes);
  if (!index) return corrupt(path, index.error());
  state.index = std::move(*index);
  auto signature = root->string("signature", kMaxSignatureBytes);
  if (!signature) return corrupt(path, signature.error());
  state.signature = std::move(*signature);
  // Written since the record is tied to its repository; a cache from before has neither.
  for (auto [name, field] :
       {std::pair{"repository", &state.repository}, std::pair{"key_id", &state.key_id}}) {
    if (!root->has(name)) continue;
    auto value = root->string(name, 4096);
    if (!value) return corrupt(path, value.error());
    *field = std::move(*value);
  }
  return std::optional<AcceptedState>(std::move(state));
}

CachedBundle cached_bundle(const IndexEntry& entry, VerifiedBundle verified,
                           std::filesystem::path path) {
  return CachedBundle{entry, std::move(verified.manifest), std::move(verified.key_id),
                      std::move(path)};
}

}  // namespace

Expected<std::string> CachedBundle::bytes() const {
  auto content = read_file(path, entry.size);
  if (!content) return content.error();
  if (sha256_hex(*content) != entry.sha256) {
    return Error(errc::kBundleSha256Mismatch,
                 path.string() + " changed on disk since it was verified");
  }
  return content;
}

Expected<RepositoryCache> RepositoryCache::open(std::filesystem::path directory, TrustedKeys keys) {
  RepositoryCache cache(std::move(directory), std::move(keys));
  if (Status loaded = cache.load(); !loaded) return loaded.error();
  return cache;
}

std::filesystem::path RepositoryCache::bundle_path(const IndexEntry& entry) const {
  return directory_ / kBundlesDirectory / entry.file;
}

Status RepositoryCache::load() {
  for (const auto& path :
       {directory_, directory_ / kBundlesDirectory, directory_ / kQuarantineDirectory}) {
    if (Status made = ensure_directory(path, 0755); !made) return made;
  }
  auto accepted = read_accepted(directory_ / kAcceptedFileName);
  if (!accepted) return accepted.error();
  if (!accepted->has_value()) return Status::ok();
  AcceptedState& state = **accepted;
  highest_version_ = state.highest_version;
  accepted_index_bytes_ = std::move(state.index);
  accepted_repository_ = std::move(state.repository);
  accepted_key_id_ = std::move(state.key_id);
  // Keys may have changed since the index was accepted (one withdrawn): what no longer
  // verifies is not offered, and the next sync fetches a fresh index.
  auto signed_index = verify_index(accepted_index_bytes_, state.signature, keys_);
  if (!signed_index) {
    load_problems_.push_back(signed_index.error().with_context("accepted index"));
    return Status::ok();
  }
  index_ = std::move(signed_index->index);
  for (const auto& entry : index_->bundles) {
    std::error_code error;
    if (!std::filesystem::exists(bundle_path(entry), error)) continue;  // the next sync fetches it
    auto bytes = read_file(bundle_path(entry), entry.size);
    auto verified = bytes ? check_bundle_against_entry(*bytes, entry, keys_)
                          : Expected<VerifiedBundle>(bytes.error());
    if (!verified) {
      load_problems_.push_back(verified.error().with_context("cached bundle " + entry.id));
      continue;
    }
    available_.push_back(cached_bundle(entry, std::move(*verified), bundle_path(entry)));
  }
  return Status::ok();
}

Status RepositoryCache::save_accepted(std::uint64_t highest_version, std::string_view index_bytes,
                                      std::string_view signature, std::string_view repository,
                                      std::string_view key_id) const {
  std::string text;
  try {
    text = Json{{"highest_version", highest_version},
                {"index", index_bytes},
                {"signature", signature},
                {"repository", repository},
                {"key_id", key_id}}
               .dump() +
           "\n";
  } catch (const Json::exception& error) {  // bytes that are not UTF-8 (a verified index is)
    return Error(errc::kIndexMalformed, std::string("index: ") + error.what());
  }
  return write_file_atomically(directory_ / kAcceptedFileName, text, 0644);
}

QuarantinedBundle RepositoryCache::quarantine(const IndexEntry& entry, std::string_view bytes,
                                              Error why) const {
  QuarantinedBundle quarantined{entry.id, entry.file, std::move(why), {}};
  // A copy offered earlier under this name no longer matches the index: it goes too.
  std::error_code ignored;
  std::filesystem::remove(bundle_path(entry), ignored);
  std::filesystem::path path = directory_ / kQuarantineDirectory / entry.file;
  std::string reason = "id " + entry.id + "\ncode " + quarantined.error.code() + "\nmessage " +
                       quarantined.error.message() + "\n";
  if (!bytes.empty() && write_file_atomically(path, bytes, 0600) &&
      write_file_atomically(path.string() + ".error", reason, 0600)) {
    quarantined.path = path;
  }
  return quarantined;
}

Expected<SyncReport> RepositoryCache::sync(RepositorySource& source,
                                           std::chrono::system_clock::time_point now) {
  const std::string context = "repository " + source.describe();
  auto index_bytes = source.fetch(kIndexFileName, kMaxIndexBytes);
  if (!index_bytes) return index_bytes.error().with_context(context);
  auto signature = source.fetch(kIndexSignatureFileName, kMaxSignatureBytes);
  if (!signature) return signature.error().with_context(context);
  auto signed_index = verify_index(*index_bytes, *signature, keys_);
  if (!signed_index) return signed_index.error().with_context(context);
  const RepositoryIndex& index = signed_index->index;
  // The accepted version is a promise of one repository: another repository numbers its
  // indexes on its own, so its first index is judged as a first sync, not as a replay.
  // Another repository is another location (the operator changed repository.directory or
  // url), or the same location signed by a new key while the key of the accepted index is
  // no longer trusted (a repository re-made with new keys). A key rotation where the old
  // key is still trusted keeps the protection: an old index signed by it would verify. A
  // cache from before the repository was recorded ("") keeps it too.
  const bool switched =
      !accepted_repository_.empty() &&
      (accepted_repository_ != source.describe() ||
       (accepted_key_id_ != signed_index->key_id && keys_.find(accepted_key_id_) == nullptr));
  const std::uint64_t baseline = switched ? 0 : highest_version_;
  if (Status fresh =
          check_index_freshness(index, baseline, std::chrono::floor<std::chrono::seconds>(now));
      !fresh) {
    return fresh.error().with_context(context);
  }
  if (!switched && index.version == highest_version_ && *index_bytes != accepted_index_bytes_) {
    return Error(errc::kIndexVersionReused,
                 context + ": index version " + std::to_string(index.version) +
                     " differs from the version " + std::to_string(highest_version_) +
                     " accepted before: a publisher must raise the version with every change");
  }

  SyncReport report;
  report.index_version = index.version;
  report.new_index = switched || index.version > highest_version_;
  if (switched) report.switched_from = accepted_repository_;
  std::vector<CachedBundle> available;
  for (const auto& entry : index.bundles) {
    auto cached = std::find_if(available_.begin(), available_.end(),
                               [&](const CachedBundle& bundle) { return bundle.entry == entry; });
    std::error_code error;
    if (cached != available_.end() && std::filesystem::exists(cached->path, error)) {
      available.push_back(*cached);
      report.unchanged.push_back(entry.id);
      continue;
    }
    // One byte over the listed size is enough to tell "too long" from "exact".
    auto bytes = source.fetch(entry.file, entry.size + 1);
    if (!bytes) {
      if (bytes.error().code() == errc::kDownloadTooLarge) {
        report.quarantined.push_back(
            quarantine(entry, {},
                       Error(errc::kBundleSizeMismatch, entry.file + ": larger than the " +
                                                            std::to_string(entry.size) +
                                                            " bytes the index lists")));
      } else {
        report.failed.push_back({entry.id, bytes.error().with_context(context)});
      }
      continue;
    }
    auto verified = check_bundle_against_entry(*bytes, entry, keys_);
    if (!verified) {
      report.quarantined.push_back(quarantine(entry, *bytes, verified.error()));
      continue;
    }
    if (Status written = write_file_atomically(bundle_path(entry), *bytes, 0644); !written) {
      report.failed.push_back({entry.id, written.error()});
      continue;
    }
    available.push_back(cached_bundle(entry, std::move(*verified), bundle_path(entry)));
    report.added.push_back(entry.id);
  }

  if (Status saved = save_accepted(index.version, *index_bytes, *signature, source.describe(),
                                   signed_index->key_id);
      !saved) {
    return saved.error();
  }
  std::set<std::string> listed_files;
  for (const auto& entry : index.bundles) listed_files.insert(entry.file);
  for (const auto& bundle : available_) {
    if (listed_files.count(bundle.entry.file) == 0) report.removed.push_back(bundle.id());
  }
  // Anything in bundles/ the accepted index does not list is withdrawn or left over from
  // an interrupted write: gone, so the directory shows exactly what is offered.
  std::error_code error;
  for (const auto& file :
       std::filesystem::directory_iterator(directory_ / kBundlesDirectory, error)) {
    if (listed_files.count(file.path().filename().string()) == 0) {
      std::error_code ignored;
      std::filesystem::remove(file.path(), ignored);
    }
  }
  highest_version_ = index.version;
  accepted_index_bytes_ = std::move(*index_bytes);
  accepted_repository_ = source.describe();
  accepted_key_id_ = signed_index->key_id;
  index_ = std::move(signed_index->index);
  available_ = std::move(available);
  return report;
}

std::vector<CachedBundle> RepositoryCache::bundles_for(const KernelIdentity& kernel) const {
  std::vector<CachedBundle> matching;
  for (const auto& bundle : available_) {
    if (bundle.target() == kernel) matching.push_back(bundle);
  }
  return matching;
}

}  // namespace hotsplice::repository
