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

constexpr std::string_view kAttemptExtension = ".json";
// An attempt record is a few hundred bytes; anything bigger is not one.
constexpr std::size_t kMaxAttemptBytes = 4096;

std::filesystem::path applied_dir(const std::filesystem::path& state_dir) {
  return state_dir / "applied";
}

std::filesystem::path attempts_dir(const std::filesystem::path& state_dir) {
  return state_dir / "attempts";
}

Expected<std::filesystem::path> id_path(const std::filesystem::path& dir,
                                        std::string_view bundle_id, std::string_view extension) {
  // Ids come from the wire and from manifests: only a valid id may become a file name.
  if (!protocol::is_valid_id(bundle_id)) {
    return Error(errc::kInvalidId,
                 "not a valid bundle id: " + protocol::to_display_text(bundle_id, 80));
  }
  return dir / (std::string(bundle_id) + std::string(extension));
}

Status remove_durably(const std::filesystem::path& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return io_error("removing " + path.string(), errno);
  }
  // The removal must survive a crash as surely as the write did.
  return fsync_directory(path.parent_path());
}

// Ids of the "<valid id><extension>" regular files in dir, sorted; anything else (a
// temporary file left by a crash, what an operator dropped there) is ignored.
std::vector<std::string> ids_in(const std::filesystem::path& dir, std::string_view extension) {
  std::vector<std::string> ids;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::filesystem::path& path = entry.path();
    if (path.extension() != extension) continue;
    std::string id = path.stem().string();
    if (protocol::is_valid_id(id) && entry.is_regular_file(error)) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace

Expected<StateStore> StateStore::open(const std::filesystem::path& state_dir) {
  for (const auto& dir : {state_dir, applied_dir(state_dir), state_dir / "staging",
                          state_dir / "work", attempts_dir(state_dir)}) {
    if (Status made = ensure_directory(dir, 0700); !made) return made.error();
  }
  return StateStore(state_dir);
}

Expected<std::filesystem::path> StateStore::applied_path(std::string_view bundle_id) const {
  return id_path(applied_dir(directory_), bundle_id, kBundleFileExtension);
}

Expected<std::filesystem::path> StateStore::attempt_path(std::string_view bundle_id) const {
  return id_path(attempts_dir(directory_), bundle_id, kAttemptExtension);
}

Status StateStore::save_applied(std::string_view bundle_id, std::string_view bundle_bytes) const {
  auto path = applied_path(bundle_id);
  if (!path) return path.error();
  return write_file_atomically(*path, bundle_bytes, 0600);
}

Status StateStore::remove_applied(std::string_view bundle_id) const {
  auto path = applied_path(bundle_id);
  if (!path) return path.error();
  return remove_durably(*path);
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
  return ids_in(applied_dir(directory_), kBundleFileExtension);
}

Status StateStore::save_attempt(const protocol::CrashRecord& record) const {
  auto path = attempt_path(record.bundle_id);
  if (!path) return path.error();
  // write_file_atomically: temporary file, fsync, rename, fsync of the directory.
  return write_file_atomically(*path, protocol::to_json(record).dump() + "\n", 0600);
}

Expected<std::optional<protocol::CrashRecord>> StateStore::read_attempt(
    std::string_view bundle_id) const {
  auto path = attempt_path(bundle_id);
  if (!path) return path.error();
  std::error_code missing;
  if (!std::filesystem::exists(*path, missing)) return std::optional<protocol::CrashRecord>();
  auto text = read_file(*path, kMaxAttemptBytes);
  if (!text) return Error(errc::kAttemptRecordInvalid, text.error().message());
  auto json = parse_json(*text, path->string());
  if (!json) return Error(errc::kAttemptRecordInvalid, json.error().message());
  auto record = protocol::read_crash_record(*json, path->string());
  if (!record) return Error(errc::kAttemptRecordInvalid, record.error().message());
  if (record->bundle_id != bundle_id) {
    return Error(errc::kAttemptRecordInvalid,
                 path->string() + ": names bundle " + record->bundle_id);
  }
  return std::optional<protocol::CrashRecord>(std::move(*record));
}

Status StateStore::remove_attempt(std::string_view bundle_id) const {
  auto path = attempt_path(bundle_id);
  if (!path) return path.error();
  return remove_durably(*path);
}

std::vector<std::string> StateStore::attempt_ids() const {
  return ids_in(attempts_dir(directory_), kAttemptExtension);
}

}  // namespace hotsplice::apply
