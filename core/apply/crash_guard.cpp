#include "core/apply/crash_guard.h"

#include <chrono>

#include "core/apply/error_codes.h"
#include "core/base/file_io.h"
#include "core/protocol/field_rules.h"

namespace hotsplice::apply {

Expected<std::string> read_boot_id(const std::filesystem::path& root) {
  auto path = root / "proc/sys/kernel/random/boot_id";
  auto text = read_file(path, 128);
  if (!text) return Error(errc::kBootIdUnreadable, text.error().message());
  std::string id = *text;
  while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
  if (!protocol::is_valid_token(id)) {
    return Error(errc::kBootIdUnreadable, path.string() + ": not a boot id");
  }
  return id;
}

CrashGuard::CrashGuard(const StateStore& store, Expected<std::string> boot_id, const Logger& log)
    : store_(store), boot_id_(std::move(boot_id)), log_(log) {}

Status CrashGuard::begin(const std::string& bundle_id) {
  if (!boot_id_) {
    return boot_id_.error().with_context("recording the attempt to apply " + bundle_id);
  }
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
      std::chrono::system_clock::now().time_since_epoch());
  protocol::CrashRecord record{bundle_id, *boot_id_, static_cast<std::uint64_t>(now.count()), ""};
  if (Status saved = store_.save_attempt(record); !saved) {
    return saved.error().with_context("recording the attempt to apply " + bundle_id);
  }
  return Status::ok();
}

Status CrashGuard::forget(const std::string& bundle_id) {
  return store_.remove_attempt(bundle_id);
}

Status CrashGuard::mark(const std::string& bundle_id, const std::string& code) {
  auto record = store_.read_attempt(bundle_id);
  protocol::CrashRecord marked{bundle_id, boot_id_ ? *boot_id_ : std::string("unknown"), 0, code};
  if (record && *record) {
    marked.boot_id = (*record)->boot_id;
    marked.started_at = (*record)->started_at;
  }
  return store_.save_attempt(marked);
}

Status CrashGuard::resume(const std::string& bundle_id) {
  auto record = store_.read_attempt(bundle_id);
  if (!record || !*record || (*record)->code != errc::kEndedByAgentStop) return Status::ok();
  return begin(bundle_id);
}

std::optional<protocol::CrashRecord> CrashGuard::blocking(const std::string& bundle_id) const {
  auto record = store_.read_attempt(bundle_id);
  if (!record) {
    // Unreadable: never re-applied on a guess. Reported with what was wrong.
    log_.error("attempt record of bundle " + bundle_id + ": " + record.error().message(),
               {{"bundle_id", bundle_id}, {"code", record.error().code()}});
    return protocol::CrashRecord{bundle_id, "", 0, errc::kAttemptRecordInvalid};
  }
  if (!*record) return std::nullopt;
  protocol::CrashRecord found = std::move(**record);
  if (found.code == errc::kEndedByAgentStop) return std::nullopt;  // a clean stop, no crash
  if (!found.code.empty()) return found;
  if (boot_id_ && found.boot_id == *boot_id_) return std::nullopt;  // in progress, this boot
  found.code = errc::kCrashedLastTime;
  return found;
}

std::vector<protocol::CrashRecord> CrashGuard::records() const {
  std::vector<protocol::CrashRecord> records;
  for (const std::string& id : store_.attempt_ids()) {
    if (auto record = blocking(id)) records.push_back(std::move(*record));
    if (records.size() == protocol::kMaxCrashRecords) break;
  }
  return records;
}

}  // namespace hotsplice::apply
