// What the fault-injection tests share: simulated guests (hotsplice-guestd-sim: the real agent
// code, a RecordingKernel for the kernel), the real hostd on them (hotsplice-hostd-sim), a
// signed repository with one bundle, and the end-state checks every fault test makes.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/fanout/child_process.h"
#include "bench/fanout/sim_bundle.h"

namespace hotsplice::fault {

namespace fs = std::filesystem;

// What one simulated guest holds, read from its files.
struct GuestTruth {
  bool live = false;          // <root>/sys/kernel/livepatch/<module>/enabled is 1
  bool stored = false;        // state/applied/<bundle>.hsb exists
  bool stored_whole = false;  // ... and is byte for byte the published bundle
  bool work_empty = true;     // state/work holds no module left behind
};

class SimFleet {
 public:
  // Publishes a bundle of about bundle_bytes under dir/repo and starts `guests` simulated
  // guests with their state under dir/sim. REQUIREs success.
  SimFleet(fs::path dir, std::size_t guests, std::size_t bundle_bytes);
  // The same with a repository published before (tests that make many fleets share one).
  SimFleet(fs::path dir, std::size_t guests, const bench::SimRepository& repository);

  // (Re)starts the simulator; its guests keep their state (re-applied as at boot).
  void start_guests();
  void kill_guests();
  // Sends signal to the simulator (SIGSTOP freezes every guest's agent: its channel stays
  // connected and nothing answers; SIGCONT resumes it). REQUIREs a running simulator.
  void signal_guests(int signal);
  bool guests_running() { return sim_ && sim_->running(); }
  fs::path guest_sockets() const;
  std::string guest_uuid(std::size_t index) const;
  GuestTruth truth(std::size_t index) const;
  std::size_t size() const { return guests_; }

  // hostd's config: its state under dir/hostd, this fleet's repository and keys, canary off,
  // retry after 1 s. extra is merged over it (e.g. {"rollout": {"concurrency": 1}}).
  fs::path write_hostd_config(const nlohmann::json& extra = nlohmann::json::object()) const;
  fs::path hostd_dir() const { return dir_ / "hostd"; }
  // Starts hotsplice-hostd-sim with the config above on sockets (default: the guests' own).
  // log: output goes there (appended) instead of a pipe the caller reads.
  bench::ChildProcess start_hostd(const fs::path& config, std::optional<fs::path> sockets = {},
                                  const fs::path& log = {}) const;

  const bench::SimRepository& repository() const { return repo_; }

 private:
  fs::path dir_;
  std::size_t guests_;
  bench::SimRepository repo_;
  std::string bundle_bytes_;
  std::optional<bench::ChildProcess> sim_;
};

// hotsplice-hostd-sim's config: its state under hostd_dir, the repository's bundles and keys,
// canary off, retry after 1 s; extra is merged over it. Returns the file written.
fs::path write_sim_hostd_config(const fs::path& hostd_dir, const bench::SimRepository& repository,
                                const nlohmann::json& extra = nlohmann::json::object());
// Starts hotsplice-hostd-sim with config on the guests' sockets in sockets (every
// "<uuid>.sock" there is a guest; listed once at start). log: as SimFleet::start_hostd.
bench::ChildProcess start_hostd_sim(const fs::path& config, const fs::path& sockets,
                                    const fs::path& log = {});

// hostd's `guests` answer on its control socket (nullopt while it does not answer).
std::optional<nlohmann::json> hostd_guests(const fs::path& control_socket);
// The status hostd reports for the guest with uuid ("" if absent or no answer).
std::string hostd_status(const fs::path& control_socket, const std::string& uuid);
// Polls hostd's `guests` until done(statuses) holds (statuses[i]: what hostd reports for
// guest i, "" when absent), checking on every poll that hostd reports nothing untrue (a
// guest reported patched has the patch live; a lie fails the test at once). False on timeout.
bool wait_statuses_truthfully(const SimFleet& fleet, const fs::path& control_socket,
                              const std::function<bool(const std::vector<std::string>&)>& done,
                              std::chrono::seconds timeout);
// wait_statuses_truthfully until every guest is `patched`.
bool wait_all_patched_truthfully(const SimFleet& fleet, const fs::path& control_socket,
                                 std::chrono::seconds timeout);
// Asks hostd to apply every bundle the guest lacks (`hotsplice apply GUEST`); REQUIREs success.
void request_apply(const fs::path& control_socket, const std::string& uuid);
// After hostd stopped: PRAGMA integrity_check is ok, and for every guest the database's last
// state of the bundle is `applied` or `confirmed` exactly when the guest has it live (CHECKs).
void check_database(const SimFleet& fleet, const fs::path& database);
// The same for any guests: (uuid, whether bundle_id is live in it).
void check_database(const fs::path& database, const std::string& bundle_id,
                    const std::vector<std::pair<std::string, bool>>& live_by_guest);
// How many bundle events hostd's database holds (its whole history; opened read-only).
std::int64_t recorded_events(const fs::path& database);
// Every guest: live, stored whole, nothing left in work/ (CHECKs).
void check_all_patched(const SimFleet& fleet);

}  // namespace hotsplice::fault
