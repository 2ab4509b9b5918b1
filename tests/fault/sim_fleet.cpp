#include "tests/fault/sim_fleet.h"

#include <signal.h>
#include <sqlite3.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <thread>

#include "bench/fanout/sim_guest_names.h"
#include "core/base/file_io.h"
#include "hostagent/control_client.h"

namespace hotsplice::fault {

using namespace std::chrono_literals;

namespace {

bench::SimRepository published(const fs::path& dir, std::size_t bundle_bytes) {
  auto repo = bench::publish_sim_bundle(dir, bundle_bytes);
  if (!repo) FAIL(repo.error().code() + ": " + repo.error().message());
  return *repo;
}

}  // namespace

SimFleet::SimFleet(fs::path dir, std::size_t guests, std::size_t bundle_bytes)
    : SimFleet(dir, guests, published(dir / "publisher", bundle_bytes)) {}

SimFleet::SimFleet(fs::path dir, std::size_t guests, const bench::SimRepository& repository)
    : dir_(std::move(dir)), guests_(guests), repo_(repository) {
  auto bytes = read_file(repo_.repo_dir / (std::string(bench::kSimBundleId) + ".hsb"), 64 << 20);
  REQUIRE(bytes);
  bundle_bytes_ = *bytes;
  start_guests();
}

void SimFleet::start_guests() {
  kill_guests();
  auto sim = bench::ChildProcess::start(
      {HOTSPLICE_GUESTD_SIM, "--guests", std::to_string(guests_), "--dir", (dir_ / "sim").string(),
       "--keys-dir", repo_.keys_dir.string(), "--release", bench::kSimKernel.release,
       "--kernel-version", bench::kSimKernel.version, "--build-id", bench::kSimKernel.build_id,
       "--log-level", "warning"});
  REQUIRE(sim);
  auto ready = sim->read_line(std::chrono::steady_clock::now() + 60s);
  INFO(ready.value_or("(no output)"));
  REQUIRE(ready.value_or("").rfind("ready", 0) == 0);
  sim_.emplace(std::move(*sim));
}

void SimFleet::kill_guests() {
  if (sim_) sim_->stop(SIGKILL);
  sim_.reset();
}

void SimFleet::signal_guests(int signal) {
  REQUIRE(sim_);
  REQUIRE(::kill(sim_->pid(), signal) == 0);
}

fs::path SimFleet::guest_sockets() const {
  return bench::sim_socket_dir(dir_ / "sim");
}

std::string SimFleet::guest_uuid(std::size_t index) const {
  return bench::sim_guest_uuid(index);
}

GuestTruth SimFleet::truth(std::size_t index) const {
  GuestTruth truth;
  std::string uuid = guest_uuid(index);
  auto enabled = read_file(bench::sim_guest_root(dir_ / "sim", uuid) / "sys/kernel/livepatch" /
                               bench::kSimModule / "enabled",
                           16);
  truth.live = enabled && enabled->rfind("1", 0) == 0;
  fs::path state = bench::sim_guest_state(dir_ / "sim", uuid);
  auto stored =
      read_file(state / "applied" / (std::string(bench::kSimBundleId) + ".hsb"), 64 << 20);
  truth.stored = stored.has_value();
  truth.stored_whole = stored && *stored == bundle_bytes_;
  std::error_code ignored;
  truth.work_empty = fs::is_empty(state / "work", ignored) || !fs::exists(state / "work", ignored);
  return truth;
}

fs::path SimFleet::write_hostd_config(const nlohmann::json& extra) const {
  return write_sim_hostd_config(hostd_dir(), repo_, extra);
}

bench::ChildProcess SimFleet::start_hostd(const fs::path& config, std::optional<fs::path> sockets,
                                          const fs::path& log) const {
  return start_hostd_sim(config, sockets.value_or(guest_sockets()), log);
}

fs::path write_sim_hostd_config(const fs::path& hostd_dir, const bench::SimRepository& repository,
                                const nlohmann::json& extra) {
  nlohmann::json config = {
      {"repository",
       {{"directory", repository.repo_dir.string()},
        {"cache_dir", (hostd_dir / "repository").string()},
        {"poll_interval_seconds", 60}}},
      {"state_dir", hostd_dir.string()},
      {"keys_dir", repository.keys_dir.string()},
      {"control_socket", (hostd_dir / "hostd.sock").string()},
      {"rollout", {{"canary_count", 0}}},
      {"timeouts", {{"retry_seconds", 1}, {"handshake_seconds", 5}, {"io_seconds", 5}}},
      // A port of the kernel's choice: never 9470, which a developer's hostd may hold.
      {"http", {{"listen", "127.0.0.1:0"}}},
      {"log_level", "debug"}};
  config.merge_patch(extra);
  REQUIRE(ensure_directory(hostd_dir));
  fs::path path = hostd_dir / "hostd.json";
  REQUIRE(write_file_atomically(path, config.dump(2)));
  return path;
}

bench::ChildProcess start_hostd_sim(const fs::path& config, const fs::path& sockets,
                                    const fs::path& log) {
  auto hostd = bench::ChildProcess::start(
      {HOTSPLICE_HOSTD_SIM, "--config", config.string(), "--sockets", sockets.string()}, log);
  REQUIRE(hostd);
  return std::move(*hostd);
}

std::optional<nlohmann::json> hostd_guests(const fs::path& control_socket) {
  hostd::ControlRequest request;
  request.command = hostd::ControlCommand::guests;
  auto answer = hostd::call_hostd(control_socket, request, 5s);
  if (!answer || !answer->contains("guests")) return std::nullopt;
  return (*answer)["guests"];
}

namespace {

// The record's id: "uuid" today, "id" in the coverage model of issue 12.
std::string record_id(const nlohmann::json& record) {
  if (record.contains("id") && record["id"].is_string()) return record["id"];
  return record.value("uuid", "");
}

}  // namespace

std::string hostd_status(const fs::path& control_socket, const std::string& uuid) {
  auto guests = hostd_guests(control_socket);
  if (!guests) return "";
  for (const auto& record : *guests) {
    if (record_id(record) == uuid) return record.value("status", "");
  }
  return "";
}

bool wait_statuses_truthfully(const SimFleet& fleet, const fs::path& control_socket,
                              const std::function<bool(const std::vector<std::string>&)>& done,
                              std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto guests = hostd_guests(control_socket)) {
      std::vector<std::string> statuses(fleet.size());
      for (const auto& record : *guests) {
        for (std::size_t i = 0; i < fleet.size(); ++i) {
          if (fleet.guest_uuid(i) != record_id(record)) continue;
          statuses[i] = record.value("status", "");
          INFO("hostd reports " << record_id(record) << " " << statuses[i]);
          if (statuses[i] == "patched") REQUIRE(fleet.truth(i).live);
        }
      }
      if (done(statuses)) return true;
    }
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

bool wait_all_patched_truthfully(const SimFleet& fleet, const fs::path& control_socket,
                                 std::chrono::seconds timeout) {
  return wait_statuses_truthfully(
      fleet, control_socket,
      [](const std::vector<std::string>& statuses) {
        return std::all_of(statuses.begin(), statuses.end(),
                           [](const std::string& status) { return status == "patched"; });
      },
      timeout);
}

void request_apply(const fs::path& control_socket, const std::string& uuid) {
  hostd::ControlRequest request;
  request.command = hostd::ControlCommand::apply;
  request.guest = uuid;
  auto answer = hostd::call_hostd(control_socket, request, 5s);
  INFO((answer ? answer->dump() : answer.error().code() + ": " + answer.error().message()));
  REQUIRE(answer);
}

namespace {

// hostd's database opened read-only for the test's queries.
class ReadOnlyDatabase {
 public:
  explicit ReadOnlyDatabase(const fs::path& path) {
    REQUIRE(sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  }
  ~ReadOnlyDatabase() { sqlite3_close(db_); }
  ReadOnlyDatabase(const ReadOnlyDatabase&) = delete;
  ReadOnlyDatabase& operator=(const ReadOnlyDatabase&) = delete;

  // The first column of the first row as text ("" when there is none).
  std::string text_of(const std::string& sql) const {
    sqlite3_stmt* statement = nullptr;
    std::string value;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) == SQLITE_OK &&
        sqlite3_step(statement) == SQLITE_ROW && sqlite3_column_text(statement, 0)) {
      value = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    }
    sqlite3_finalize(statement);
    return value;
  }
  // The latest state of bundle_id for the guest ("" when none).
  std::string state_of(const std::string& guest_uuid, const std::string& bundle_id) const {
    return text_of("SELECT state FROM guest_bundles WHERE guest_uuid = '" + guest_uuid +
                   "' AND bundle_id = '" + bundle_id + "'");
  }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace

void check_database(const fs::path& database, const std::string& bundle_id,
                    const std::vector<std::pair<std::string, bool>>& live_by_guest) {
  ReadOnlyDatabase db(database);
  CHECK(db.text_of("PRAGMA integrity_check") == "ok");
  for (const auto& [uuid, live] : live_by_guest) {
    std::string state = db.state_of(uuid, bundle_id);
    INFO("guest " << uuid << " recorded as '" << state << "'");
    // `applied` when hostd saw the apply succeed, `confirmed` when it learnt it from the
    // guest's hello (the answer was lost with the channel): both say "live".
    CHECK((state == "applied" || state == "confirmed") == live);
  }
}

void check_database(const SimFleet& fleet, const fs::path& database) {
  std::vector<std::pair<std::string, bool>> live_by_guest;
  for (std::size_t i = 0; i < fleet.size(); ++i) {
    live_by_guest.emplace_back(fleet.guest_uuid(i), fleet.truth(i).live);
  }
  check_database(database, bench::kSimBundleId, live_by_guest);
}

std::int64_t recorded_events(const fs::path& database) {
  std::string count = ReadOnlyDatabase(database).text_of("SELECT count(*) FROM bundle_events");
  REQUIRE_FALSE(count.empty());
  return std::stoll(count);
}

void check_all_patched(const SimFleet& fleet) {
  for (std::size_t i = 0; i < fleet.size(); ++i) {
    GuestTruth truth = fleet.truth(i);
    INFO("guest " << fleet.guest_uuid(i));
    CHECK(truth.live);
    CHECK(truth.stored_whole);
    CHECK(truth.work_empty);
  }
}

}  // namespace hotsplice::fault
