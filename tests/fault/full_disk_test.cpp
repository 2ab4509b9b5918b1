// A full disk under the state directory, for real: a small tmpfs the test mounts (root only)
// under one simulated guest's state directory, then under hostd's. Both daemons keep
// running and say what went wrong, nothing half-written is taken for done, nothing already
// recorded is lost, and everything completes once there is space again.
#include <fcntl.h>
#include <unistd.h>
#include <csignal>

#include <catch2/catch.hpp>
#include <iostream>

#include "bench/fanout/sim_guest_names.h"
#include "core/base/subprocess.h"
#include "hostagent/control_client.h"
#include "tests/fault/sim_fleet.h"
#include "tests/support/temp_dir.h"

using namespace hotsplice;
using namespace hotsplice::fault;
using namespace std::chrono_literals;

namespace {

// A tmpfs of size_kib mounted on path for the test's lifetime.
class TmpfsMount {
 public:
  TmpfsMount(fs::path path, std::size_t size_kib) : path_(std::move(path)) {
    fs::create_directories(path_);
    auto mounted = run_checked(
        SubprocessSpec({"mount", "-t", "tmpfs", "-o", "size=" + std::to_string(size_kib) + "k",
                        "tmpfs", path_.string()}));
    INFO((mounted ? "" : mounted.error().message()));
    REQUIRE(mounted);
  }
  ~TmpfsMount() { (void)run_subprocess(SubprocessSpec({"umount", "-l", path_.string()})); }
  void resize(std::size_t size_kib) {
    REQUIRE(run_checked(SubprocessSpec(
        {"mount", "-o", "remount,size=" + std::to_string(size_kib) + "k", path_.string()})));
  }

 private:
  fs::path path_;
};

// Writes zeros to path until the file system is full.
void fill(const fs::path& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  std::string block(64 * 1024, '\0');
  while (::write(fd, block.data(), block.size()) > 0) {
  }
  ::close(fd);
}

bool skip_unless_root() {
  if (::geteuid() == 0) return false;
  std::cout << "SKIPPED: mounting a small tmpfs needs root\n";
  return true;
}

}  // namespace

TEST_CASE("a guest's state disk full: its apply fails with the reason and succeeds with space") {
  if (skip_unless_root()) return;
  testing::TempDir dir;
  // Guest 0's state directory is a tmpfs smaller than the bundle.
  TmpfsMount disk(bench::sim_guest_state(dir / "sim", bench::sim_guest_uuid(0)), 128);
  SimFleet fleet(dir.path(), 2, 300 * 1024);
  auto hostd = fleet.start_hostd(fleet.write_hostd_config(), {}, dir / "hostd.log");
  fs::path control = fleet.hostd_dir() / "hostd.sock";
  bool settled = wait_statuses_truthfully(
      fleet, control,
      [](const std::vector<std::string>& s) { return s[0] == "failed" && s[1] == "patched"; }, 60s);
  INFO("hostd log:\n" << file_tail(dir / "hostd.log", 4000));
  REQUIRE(settled);
  auto guests = hostd_guests(control);
  REQUIRE(guests);
  for (const auto& record : *guests) {
    if (record.value("status", "") != "failed") continue;
    // The guest's own words reach the operator.
    CHECK_THAT(record.value("reason", ""), Catch::Contains("space", Catch::CaseSensitive::No));
  }
  CHECK(fleet.guests_running());
  CHECK(hostd.running());
  GuestTruth full = fleet.truth(0);
  CHECK_FALSE(full.live);
  CHECK_FALSE(full.stored);
  CHECK(full.work_empty);

  disk.resize(8192);
  request_apply(control, fleet.guest_uuid(0));
  REQUIRE(wait_all_patched_truthfully(fleet, control, 60s));
  CHECK(hostd.stop(SIGTERM) == 0);
  check_all_patched(fleet);
  check_database(fleet, fleet.hostd_dir() / "hostd.db");
}

// hostd's status, as `hotsplice status --json` shows it.
nlohmann::json hostd_status_json(const fs::path& control_socket) {
  hostd::ControlRequest request;
  request.command = hostd::ControlCommand::status;
  auto status = hostd::call_hostd(control_socket, request, 5s);
  INFO((status ? "" : status.error().message()));
  REQUIRE(status);
  return *status;
}

// What hostd must record while its disk is full. A guest whose agent stops answering is not
// such news: hostd keeps the guest's last report (its kernel stays patched without the agent)
// and writes nothing (the first version of this test killed the agents and waited for a
// write that never came). A hello is: every recheck refreshes the guest's last contact,
// which hostd records (with recheck_seconds 10, at least every 10 s per guest).
TEST_CASE("hostd's state disk full: it keeps running and says so and loses nothing recorded") {
  if (skip_unless_root()) return;
  testing::TempDir dir;
  TmpfsMount disk(dir / "hostd", 4096);
  SimFleet fleet(dir.path(), 2, 100 * 1024);
  auto hostd =
      fleet.start_hostd(fleet.write_hostd_config({{"timeouts", {{"recheck_seconds", 10}}},
                                                  {"repository", {{"poll_interval_seconds", 10}}}}),
                        {}, dir / "hostd.log");
  fs::path control = fleet.hostd_dir() / "hostd.sock";
  REQUIRE(wait_all_patched_truthfully(fleet, control, 60s));
  CHECK(hostd_status_json(control)["database"]["write_error"].is_null());
  const std::int64_t events_before = recorded_events(fleet.hostd_dir() / "hostd.db");
  CHECK(events_before >= 2);

  fill(fleet.hostd_dir() / "filler");
  // Both the database and the repository cache say why, in hostd's status, while every
  // guest stays truthfully reported (checked on every poll).
  nlohmann::json status;
  std::vector<std::string> statuses;
  bool reported = wait_statuses_truthfully(
      fleet, control,
      [&](const std::vector<std::string>& now) {
        statuses = now;
        status = hostd_status_json(control);
        return status["database"]["write_error"].is_object() &&
               !status["repository"]["last_sync"].value("ok", true);
      },
      90s);
  INFO("hostd log:\n" << file_tail(dir / "hostd.log", 4000));
  INFO(status.dump(2));
  REQUIRE(reported);
  CHECK(hostd.running());
  CHECK(status["database"]["write_error"]["code"] == "state_db_write");
  CHECK_THAT(status["database"]["write_error"].value("message", ""),
             Catch::Contains("full", Catch::CaseSensitive::No));
  CHECK_THAT(status["repository"]["last_sync"].value("error", ""),
             Catch::Contains("No space left"));
  // What hostd had recorded is what it still reports.
  for (const std::string& state : statuses) CHECK(state == "patched");

  fs::remove(fleet.hostd_dir() / "filler");
  // The next recorded hello clears the error.
  REQUIRE(wait_statuses_truthfully(
      fleet, control,
      [&](const std::vector<std::string>& now) {
        return now[0] == "patched" && now[1] == "patched" &&
               hostd_status_json(control)["database"]["write_error"].is_null();
      },
      60s));
  CHECK(hostd.stop(SIGTERM) == 0);
  check_all_patched(fleet);
  check_database(fleet, fleet.hostd_dir() / "hostd.db");
  // Nothing recorded before the disk filled was lost.
  CHECK(recorded_events(fleet.hostd_dir() / "hostd.db") >= events_before);
}
