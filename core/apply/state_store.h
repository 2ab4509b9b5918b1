// The apply component's state directory (guestd's default /var/lib/hotsplice):
//   applied/<bundle id>.hsb   bundles whose patch is applied: re-applied after a reboot
//   staging/                  transfers in progress (protocol::TransferReceiver)
//   work/                     the module file of the bundle being loaded, briefly
//   attempts/<bundle id>.json the crash-loop guard's attempt records (crash_guard.h)
// Every bundle is written atomically (temporary file, fsync, rename), and kept whole with
// its signature: what is re-applied at boot is verified again, never trusted because it
// sits on disk.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/expected.h"
#include "core/protocol/message_parts.h"

namespace hotsplice::apply {

inline constexpr const char* kDefaultStateDirectory = "/var/lib/hotsplice";

class StateStore {
 public:
  // Creates the directory and its subdirectories (mode 0700) when missing.
  static Expected<StateStore> open(const std::filesystem::path& state_dir);

  Status save_applied(std::string_view bundle_id, std::string_view bundle_bytes) const;
  Status remove_applied(std::string_view bundle_id) const;
  Expected<std::string> read_applied(std::string_view bundle_id) const;
  bool has_applied(std::string_view bundle_id) const;
  // Ids of the stored bundles, sorted. Files that are not "<valid id>.hsb" (a temporary file
  // left by a crash, anything an operator dropped there) are ignored.
  std::vector<std::string> applied_ids() const;

  // Attempt records: written atomically and durably (fsync of file and directory) before
  // a module is loaded, so that a kernel that dies during the load or the settle time
  // leaves one behind. read_attempt: nullopt when there is none; an error naming the file
  // when it does not parse (attempt_record_invalid).
  Status save_attempt(const protocol::CrashRecord& record) const;
  Expected<std::optional<protocol::CrashRecord>> read_attempt(std::string_view bundle_id) const;
  Status remove_attempt(std::string_view bundle_id) const;
  // Ids with an attempt record, sorted (as applied_ids()).
  std::vector<std::string> attempt_ids() const;

  const std::filesystem::path& directory() const { return directory_; }
  std::filesystem::path staging_dir() const { return directory_ / "staging"; }
  std::filesystem::path work_dir() const { return directory_ / "work"; }

 private:
  explicit StateStore(std::filesystem::path directory) : directory_(std::move(directory)) {}
  Expected<std::filesystem::path> applied_path(std::string_view bundle_id) const;
  Expected<std::filesystem::path> attempt_path(std::string_view bundle_id) const;

  std::filesystem::path directory_;
};

}  // namespace hotsplice::apply
