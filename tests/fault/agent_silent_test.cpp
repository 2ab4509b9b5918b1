// A guest whose agent stops answering while its channel stays connected, for real: the real
// hostd (hotsplice-hostd-sim) patches a simulated guest (hotsplice-guestd-sim, its own
// process), then the guest's process is frozen with SIGSTOP (the socket stays open, the
// kernel still queues hostd's bytes, nothing answers). hostd must stop calling it patched
// within its liveness bound and say so through the HTTP API and /metrics, keep what it last
// reported apart as last-known, and call it patched again on its own once SIGCONT lets the
// agent answer.
#include <csignal>

#include <catch2/catch.hpp>

#include "bench/fanout/sim_bundle.h"
#include "core/base/subprocess.h"
#include "hostagent/tests/http_client.h"
#include "tests/fault/sim_fleet.h"
#include "tests/support/temp_dir.h"

using namespace hotsplice;
using namespace hotsplice::fault;
using namespace std::chrono_literals;

namespace {

// GET /api/v1/guests/{id} on hostd's API (null while it does not answer).
Json guest_record(std::uint16_t port, const std::string& id) {
  auto answer = testing::http_get(port, "/api/v1/guests/" + id);
  return answer.status == 200 ? answer.json() : Json(nullptr);
}

}  // namespace

TEST_CASE("a frozen guest agent is agent_silent within the liveness bound, patched once it runs") {
  testing::TempDir dir;
  SimFleet fleet(dir.path(), 1, 64 * 1024);
  std::uint16_t port = testing::free_port();
  // Checked every second; a check unanswered for 5 s (handshake) makes it silent: the bound
  // is 1 + 5 s (+1 s of tick). The waits below are generous deadlines, not timings.
  auto config =
      fleet.write_hostd_config({{"timeouts", {{"liveness_seconds", 1}}},
                                {"http", {{"listen", "127.0.0.1:" + std::to_string(port)}}}});
  auto hostd = fleet.start_hostd(config, {}, dir / "hostd.log");
  fs::path control = fleet.hostd_dir() / "hostd.sock";
  std::string id = fleet.guest_uuid(0);
  auto status_is = [](const char* wanted) {
    return [wanted](const std::vector<std::string>& s) { return s[0] == wanted; };
  };
  auto require = [&](bool done, const char* what) {
    if (!done) FAIL(what << "\nhostd log:\n" << file_tail(dir / "hostd.log", 8000));
  };
  require(wait_all_patched_truthfully(fleet, control, 60s), "never patched");

  fleet.signal_guests(SIGSTOP);
  require(wait_statuses_truthfully(fleet, control, status_is("agent_silent"), 60s),
          "the frozen guest never turned agent_silent");
  Json record = guest_record(port, id);
  INFO(record.dump(2));
  REQUIRE(record.is_object());
  CHECK(record["status"] == "agent_silent");
  CHECK_THAT(record["reason"].get<std::string>(),
             Catch::Contains("no answer from the agent since"));
  CHECK_THAT(record["reason"].get<std::string>(), Catch::Contains("last known: patched"));
  CHECK(record["applied"] == Json::array());
  CHECK(record["cves_open"].is_null());
  CHECK(record["last_contact"].is_string());
  CHECK(record["last_known"]["status"] == "patched");
  CHECK(record["last_known"]["at"] == record["last_contact"]);
  CHECK(record["last_known"]["applied"][0]["bundle_id"] == bench::kSimBundleId);
  // The CLI tells the last report apart from the coverage.
  auto shown =
      run_checked(SubprocessSpec({HOTSPLICE_CLI, "guest", id, "--socket", control.string()}));
  REQUIRE(shown);
  CHECK_THAT(shown->output, Catch::Contains("status:           agent_silent"));
  CHECK_THAT(shown->output,
             Catch::Contains("CVEs:             unknown (the agent does not answer)"));
  CHECK_THAT(shown->output, Catch::Contains(", not current):\n  status:           patched"));
  CHECK_THAT(shown->output, Catch::Contains(std::string("  was live ") + bench::kSimBundleId));
  CHECK_THAT(shown->output, !Catch::Contains(std::string("  live     ") + bench::kSimBundleId));
  std::string metrics = testing::http_get(port, "/metrics").body;
  CHECK_THAT(metrics, Catch::Contains("hotsplice_guests{status=\"patched\"} 0\n"));
  CHECK_THAT(metrics, Catch::Contains("hotsplice_guests{status=\"agent_silent\"} 1\n"));
  CHECK_THAT(metrics, !Catch::Contains("hotsplice_guest_patches_applied{"));

  // No operator action: the agent answers again and hostd says what is true.
  fleet.signal_guests(SIGCONT);
  require(wait_statuses_truthfully(fleet, control, status_is("patched"), 60s),
          "the resumed guest never turned patched again");
  record = guest_record(port, id);
  CHECK(record["status"] == "patched");
  CHECK(record["last_known"].is_null());
  CHECK(record["applied"][0]["bundle_id"] == bench::kSimBundleId);
  CHECK(hostd.running());
  hostd.stop(SIGTERM);
  check_database(fleet, fleet.hostd_dir() / "hostd.db");
}
