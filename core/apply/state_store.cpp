#include "core/apply/state_store.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "core/apply/error_codes.h"
#include "core/base/file_io.h"
#include "core/bundle/bundle_file.h"
#include "core/protocol/field_rules.h"

namespace hotsplice::apply {
namespace {

std::filesystem::path applied_dir(const std::filesystem::path& state_dir) {
  return state_dir / "applied";
}

}  // namespace

Expected<StateStore> StateStore::open(const std::filesystem::path& state_dir) {
  for (const auto& dir :
       {state_dir, applied_dir(state_dir), state_dir / "staging", state_dir / "work"}) {
    if (Status made = ensure_directory(dir, 0700); !made) return made.error();
  }
  return StateStore(state_dir);
}

Expected<std::filesystem::path> StateStore::applied_path(std::string_view bundle_id) const {
  // Ids come from the wire and from manifests: only a valid id may become a file name.
  if (!protocol::is_valid_id(bundle_id)) {
    return Error(errc::kInvalidId,
                 "not a valid bundle id: " + protocol::to_display_text(bundle_id, 80));
  }
  return applied_dir(directory_) / (std::string(bundle_id) + std::string(kBundleFileExtension));
}

Status StateStore::save_applied(std::string_view bundle_id, std::string_view bundle_bytes) const {
  auto path = applied_path(bundle_id);
  if (!path) return path.error();
  return write_file_atomically(*path, bundle_bytes, 0600);
}

Status StateStore::remove_applied(std::string_view bundle_id) const {
  auto path = applied_path(bundle_id);
  if (!path) return path.error();
  if (::unlink(path->c_str()) != 0 && errno != ENOENT) {
    return io_error("removing " + path->string(), errno);
  }
  // The removal must survive a crash as surely as the write did.
  if (Status synced = fsync_directory(applied_dir(directory_)); !synced) return synced;
  return Status::ok();
}

Expected<std::string> StateStore::read_applied(std::string_view bundle_id) const {
  auto path = applied_path(bundle_id);
  if (!path) return path.error();
  return read_file(*path, max_bundle_bytes());
}

bool StateStore::has_applied(std::string_view bundle_id) const {
  auto path = applied_path(bundle_id);
  std::error_code ignored;
  return path && std::filesystem::is_regular_file(*path, ignored);
}

std::vector<std::string> StateStore::applied_ids() const {
  std::vector<std::string> ids;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(applied_dir(directory_), error)) {
    const std::filesystem::path& path = entry.path();
    if (path.extension() != kBundleFileExtension) continue;
    std::string id = path.stem().string();
    if (protocol::is_valid_id(id) && entry.is_regular_file(error)) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace hotsplice::apply
