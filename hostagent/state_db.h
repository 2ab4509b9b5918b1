// hostd's state: one SQLite file (/var/lib/hotsplice/hostd.db) in WAL mode. Every state
// change is one transaction, so a crash (or SIGKILL) at any point leaves the state before
// or after that change, never between. What is recorded:
//   guests         — uuid, name, kernel identity, agent version, last contact, status, reason
//   bundle_events  — per guest per bundle: offered / transferred / applied / failed /
//                    rolled_back / confirmed (seen live in a hello) / interrupted, with time,
//                    code, message
//   guest_bundles  — the latest of those events per guest and bundle (what the engine reads)
//   rollout        — the current rollout: catalogue generation, stage, paused, why stopped
//   rollout_canaries, pins, schema_version
// Times are UTC seconds since the epoch.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/expected.h"
#include "core/kernel/kernel_identity.h"

struct sqlite3;

namespace hotsplice::hostd {

inline constexpr int kStateSchemaVersion = 1;

// interrupted: the channel went away mid-operation (outcome unknown; the next hello decides,
// and the rollout may try again), unlike failed (the guest or the session refused it).
enum class BundleEvent {
  offered,
  transferred,
  applied,
  failed,
  rolled_back,
  confirmed,
  interrupted
};
const char* event_name(BundleEvent event);
std::optional<BundleEvent> parse_event(std::string_view name);

struct GuestRow {
  std::string uuid;
  std::string name;
  std::optional<KernelIdentity> kernel;
  std::string agent_version;
  std::optional<std::int64_t> last_contact;
  std::string status = "unknown";  // a status_name() of coverage.h
  std::string reason;
  bool operator==(const GuestRow&) const = default;
};

struct GuestBundleRow {
  std::string guest_uuid;
  std::string bundle_id;
  BundleEvent state = BundleEvent::offered;
  std::int64_t at = 0;
  std::string code;
  std::string message;
  std::int64_t seq = 0;  // the event's place in the whole history (history, events_after); 0
                         // in the latest-state rows
};

struct RolloutRow {
  std::string generation;  // the catalogue generation this rollout delivers
  std::string stage;       // canary | canary_wait | general | stopped
  bool paused = false;
  std::string reason;  // why stopped, for the operator
  std::int64_t stage_since = 0;
  std::int64_t wait_until = 0;  // end of the canary wait (canary_wait stage)
  bool operator==(const RolloutRow&) const = default;
};

class StateDb {
 public:
  // Opens (creating when absent) the database at path, parents included. Refuses, with
  // state_db_corrupt and a message naming the file, a file that is not SQLite or fails
  // SQLite's quick_check, and with state_db_schema a database of another program or of a
  // newer schema. Creating the schema is idempotent.
  static Expected<StateDb> open(const std::filesystem::path& path);
  ~StateDb();
  StateDb(StateDb&&) noexcept;
  StateDb& operator=(StateDb&&) noexcept;
  StateDb(const StateDb&) = delete;
  StateDb& operator=(const StateDb&) = delete;

  const std::filesystem::path& path() const { return path_; }

  Status upsert_guest(const GuestRow& row);
  Expected<std::vector<GuestRow>> guests() const;
  Expected<std::optional<GuestRow>> guest(const std::string& uuid) const;

  // Appends to the history and updates the latest state, in one transaction.
  Status record_bundle_event(const std::string& guest_uuid, const std::string& bundle_id,
                             BundleEvent event, std::int64_t at, const std::string& code = "",
                             const std::string& message = "");
  Expected<std::vector<GuestBundleRow>> guest_bundles(const std::string& guest_uuid) const;
  // Every guest's latest bundle states in one query, by guest uuid (rows ordered by
  // bundle_id, as guest_bundles gives them): the coverage of all guests reads this instead
  // of one query per guest.
  Expected<std::map<std::string, std::vector<GuestBundleRow>>> all_guest_bundles() const;
  // Every event for the guest, oldest first (the latest-state table loses the history).
  Expected<std::vector<GuestBundleRow>> history(const std::string& guest_uuid) const;
  // Every guest's events with seq > after, oldest first, at most limit of them (the API's
  // event feed; seq is the cursor).
  Expected<std::vector<GuestBundleRow>> events_after(std::int64_t after, std::size_t limit) const;

  Status save_rollout(const RolloutRow& row);
  Expected<std::optional<RolloutRow>> load_rollout() const;
  // Starts a new rollout: replaces the row and forgets the previous canaries, atomically.
  Status start_rollout(const RolloutRow& row);
  Status add_canary(const std::string& guest_uuid);
  Expected<std::vector<std::string>> canaries() const;

  Status replace_pins(const std::map<std::string, std::string>& pins);

  // The error of the last write when it failed (a full disk, an I/O error), until a write
  // succeeds again: for the operator's status, since hostd keeps running without it.
  const std::optional<Error>& last_write_error() const { return last_write_error_; }
  Expected<std::map<std::string, std::string>> pins() const;

 private:
  StateDb(sqlite3* db, std::filesystem::path path) : db_(db), path_(std::move(path)) {}
  Status exec(const char* sql) const;
  Status in_transaction(const std::function<Status()>& body);
  // Remembers result as the last write's outcome and returns it.
  Status noted(Status result);

  sqlite3* db_ = nullptr;
  std::optional<Error> last_write_error_;
  std::filesystem::path path_;
};

}  // namespace hotsplice::hostd
