#include "core/repository/repository_writer.h"

#include <algorithm>
#include <map>

#include "core/base/file_io.h"
#include "core/bundle/bundle_file.h"
#include "core/bundle/bundle_verifier.h"
#include "core/crypto/sha256.h"
#include "core/repository/error_codes.h"

namespace hotsplice::repository {
namespace {

struct ReadBundle {
  std::string bytes;
  VerifiedBundle verified;
};

Expected<ReadBundle> read_verified(const std::filesystem::path& path, const TrustedKeys& keys) {
  auto bytes = read_file(path, max_bundle_bytes());
  if (!bytes) return bytes.error();
  auto verified = verify_bundle_bytes(*bytes, keys);
  if (!verified) return verified.error().with_context(path.string());
  return ReadBundle{std::move(*bytes), std::move(*verified)};
}

// The version of the index the directory holds now, 0 if none. Its signature is not
// checked: the publisher is replacing it, and only needs to count past it.
Expected<std::uint64_t> current_version(const std::filesystem::path& directory) {
  std::filesystem::path path = directory / kIndexFileName;
  std::error_code error;
  if (!std::filesystem::exists(path, error) && !error) return std::uint64_t{0};
  auto bytes = read_file(path, kMaxIndexBytes);
  if (!bytes) return bytes.error();
  auto index = parse_index(*bytes);
  if (!index) return index.error().with_context(path.string());
  return index->version;
}

}  // namespace

Status add_bundles(const std::filesystem::path& directory,
                   const std::vector<std::filesystem::path>& bundles, const TrustedKeys& keys) {
  std::map<std::filesystem::path, std::string> to_write;
  for (const auto& source : bundles) {
    auto bundle = read_verified(source, keys);
    if (!bundle) return bundle.error();
    std::filesystem::path target =
        directory / (bundle->verified.manifest.id + std::string(kBundleFileExtension));
    auto existing = read_file(target, max_bundle_bytes());
    bool differs_on_disk = existing && *existing != bundle->bytes;
    auto queued = to_write.find(target);
    bool differs_queued = queued != to_write.end() && queued->second != bundle->bytes;
    if (differs_on_disk || differs_queued) {
      return Error(errc::kDuplicateBundle,
                   source.string() + ": " + target.string() + " already holds another bundle " +
                       "with id " + bundle->verified.manifest.id + "; give the new one a new id");
    }
    to_write[target] = std::move(bundle->bytes);
  }
  if (Status made = ensure_directory(directory, 0755); !made) return made;
  for (const auto& [target, bytes] : to_write) {
    if (Status written = write_file_atomically(target, bytes, 0644); !written) return written;
  }
  return Status::ok();
}

Expected<RepositoryIndex> publish_index(const std::filesystem::path& directory,
                                        const Ed25519PrivateKey& key, const TrustedKeys& keys,
                                        Seconds now, std::chrono::seconds valid_for) {
  auto previous = current_version(directory);
  if (!previous) return previous.error();
  RepositoryIndex index;
  index.version = *previous + 1;
  index.generated = now;
  index.expires = now + valid_for;

  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& file : std::filesystem::directory_iterator(directory, error)) {
    std::string name = file.path().filename().string();
    if (file.is_regular_file() && name.ends_with(kBundleFileExtension) && !name.starts_with(".")) {
      files.push_back(file.path());
    }
  }
  if (error) return io_error("list " + directory.string(), error.value());
  std::sort(files.begin(), files.end());
  if (files.size() > kMaxIndexEntries) {
    return Error(errc::kIndexMalformed, directory.string() + " holds more than " +
                                            std::to_string(kMaxIndexEntries) + " bundles");
  }
  std::map<std::string, std::filesystem::path> ids;
  for (const auto& path : files) {
    auto bundle = read_verified(path, keys);
    if (!bundle) return bundle.error();
    const Manifest& manifest = bundle->verified.manifest;
    if (auto [seen, inserted] = ids.emplace(manifest.id, path); !inserted) {
      return Error(errc::kDuplicateBundle, path.string() + " and " + seen->second.string() +
                                               " both hold bundle " + manifest.id);
    }
    index.bundles.push_back(IndexEntry{manifest.id, path.filename().string(),
                                       sha256_hex(bundle->bytes), bundle->bytes.size(),
                                       manifest.target, manifest.cves});
  }
  auto text = serialize_index(index);
  if (!text) return text.error();
  auto signature = sign_index(*text, key);
  if (!signature) return signature.error();
  if (Status written = write_file_atomically(directory / kIndexFileName, *text, 0644); !written) {
    return written.error();
  }
  if (Status written = write_file_atomically(directory / kIndexSignatureFileName, *signature, 0644);
      !written) {
    return written.error();
  }
  return index;
}

}  // namespace hotsplice::repository
