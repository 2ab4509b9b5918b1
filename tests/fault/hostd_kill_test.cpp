// hostd SIGKILLed at every step of a rollout to simulated guests (the real hostd and the real
// guest agent code; hotsplice-guestd-sim's recording kernel), then started again on the same
// state: it must finish the rollout without applying anything twice, its database must be
// intact and agree with the guests, and it must never report a guest patched that is not.
// (tests/vm/hostd_test.cpp kills hostd once mid-rollout with real guests and kernels.)
#include <catch2/catch.hpp>
#include <csignal>

#include <string>
#include <vector>

#include "core/base/subprocess.h"
#include "tests/fault/sim_fleet.h"
#include "tests/support/temp_dir.h"

using namespace hotsplice;
using namespace hotsplice::fault;
using namespace std::chrono_literals;

namespace {

constexpr std::size_t kGuests = 3;
constexpr std::size_t kBundleBytes = 200 * 1024;

// hostd's per-guest event lines ("<6>offering guest=... bundle=..."): the steps of a rollout.
bool is_step(const std::string& line) {
  return line.find(" guest=") != std::string::npos;
}

// Runs hostd until its kill_at-th step line (1-based) and SIGKILLs it there; 0: never (the
// rollout runs to the end). Returns the step lines seen.
std::vector<std::string> run_until_step(SimFleet& fleet, const fs::path& config, int kill_at) {
  auto hostd = fleet.start_hostd(config);
  std::vector<std::string> steps;
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (auto line = hostd.read_line(deadline)) {
    if (!is_step(*line)) continue;
    steps.push_back(*line);
    if (static_cast<int>(steps.size()) == kill_at) {
      hostd.stop(SIGKILL);
      return steps;
    }
    if (kill_at == 0 && line->find("applied") != std::string::npos &&
        std::count_if(steps.begin(), steps.end(), [](const std::string& s) {
          return s.find(">applied ") != std::string::npos;
        }) == static_cast<long>(kGuests)) {
      break;
    }
  }
  hostd.stop(SIGTERM);
  return steps;
}

}  // namespace

TEST_CASE("hostd SIGKILLed at every step of a rollout finishes it truthfully on restart") {
  testing::TempDir dir;
  const nlohmann::json serial = {{"rollout", {{"concurrency", 1}}}};
  auto repository = bench::publish_sim_bundle(dir / "publisher", kBundleBytes);
  REQUIRE(repository);
  std::vector<std::string> steps;
  {
    SimFleet fleet(dir / "w", kGuests, *repository);
    steps = run_until_step(fleet, fleet.write_hostd_config(serial), 0);
    check_all_patched(fleet);
  }
  INFO("steps of a whole rollout: " << steps.size());
  REQUIRE(steps.size() >= 3 * kGuests);  // answered, offering, applied per guest at least
  for (std::size_t step = 1; step <= steps.size(); ++step) {
    INFO("hostd killed at step " << step << ": " << steps[step - 1]);
    fs::path run_dir = dir / ("k" + std::to_string(step));
    SimFleet fleet(run_dir, kGuests, *repository);
    auto config = fleet.write_hostd_config(serial);
    run_until_step(fleet, config, static_cast<int>(step));
    auto hostd = fleet.start_hostd(config, {}, run_dir / "hostd.log");
    bool patched = wait_all_patched_truthfully(fleet, fleet.hostd_dir() / "hostd.sock", 60s);
    INFO("restarted hostd's log:\n" << file_tail(run_dir / "hostd.log", 3000));
    REQUIRE(patched);
    CHECK(hostd.stop(SIGTERM) == 0);
    CHECK(file_tail(run_dir / "hostd.log", 1 << 20).find("apply failed") == std::string::npos);
    check_all_patched(fleet);
    check_database(fleet, fleet.hostd_dir() / "hostd.db");
  }
}
