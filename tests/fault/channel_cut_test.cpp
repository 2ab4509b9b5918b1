// The channel between hostd and a guest cut at every protocol step of a transfer and of an
// apply, in each direction: real hostd (hotsplice-hostd-sim), real guest agent code
// (hotsplice-guestd-sim), real Unix sockets, and a relay that closes both ends right after
// the n-th frame. Whatever the step, the end state must be consistent: the guest ends
// patched exactly once (live, stored whole, no module left in work/), hostd says so and never
// said so before it was true, and hostd's database is intact and agrees with the guest.
#include <catch2/catch.hpp>
#include <csignal>

#include "core/base/subprocess.h"
#include "tests/fault/cutting_relay.h"
#include "tests/fault/sim_fleet.h"
#include "tests/support/temp_dir.h"

using namespace hotsplice;
using namespace hotsplice::fault;
using namespace std::chrono_literals;

namespace {

// Several chunks (64 KiB each) and more than one transfer window (256 KiB).
constexpr std::size_t kBundleBytes = 300 * 1024;

struct Conversation {
  int to_guest = 0;
  int to_host = 0;
};

// One rollout to one guest through a relay that cuts after cut_after frames in direction
// (negative: never). Returns the frames the first connection carried.
Conversation roll_out_through_relay(const fs::path& dir, const bench::SimRepository& repository,
                                    Direction direction, int cut_after) {
  SimFleet fleet(dir, 1, repository);
  fs::path relay_dir = dir / "relay";
  REQUIRE(fs::create_directories(relay_dir));
  std::string socket = fleet.guest_uuid(0) + ".sock";
  CuttingRelay relay(relay_dir / socket, fleet.guest_sockets() / socket, direction, cut_after);
  auto config = fleet.write_hostd_config();
  auto hostd = fleet.start_hostd(config, relay_dir, dir / "hostd.log");
  bool patched = wait_all_patched_truthfully(fleet, fleet.hostd_dir() / "hostd.sock", 60s);
  INFO("hostd log:\n" << file_tail(dir / "hostd.log", 3000));
  REQUIRE(patched);
  if (cut_after >= 0) CHECK(relay.cut_done());
  Conversation seen{relay.frames(Direction::host_to_guest), relay.frames(Direction::guest_to_host)};
  CHECK(hostd.stop(SIGTERM) == 0);
  check_all_patched(fleet);
  check_database(fleet, fleet.hostd_dir() / "hostd.db");
  return seen;
}

}  // namespace

TEST_CASE("channel cut at every step of a transfer and an apply in both directions") {
  testing::TempDir dir;
  auto repository = bench::publish_sim_bundle(dir / "publisher", kBundleBytes);
  REQUIRE(repository);
  Conversation whole = roll_out_through_relay(dir / "w", *repository, Direction::host_to_guest, -1);
  // sync, hello, offer, chunks, apply: there is more than a handful of each.
  REQUIRE(whole.to_guest >= 6);
  REQUIRE(whole.to_host >= 4);
  for (int n = 0; n <= whole.to_guest; ++n) {
    INFO("cut after " << n << " frames from hostd to the guest");
    roll_out_through_relay(dir / ("g" + std::to_string(n)), *repository, Direction::host_to_guest,
                           n);
  }
  for (int n = 1; n <= whole.to_host; ++n) {
    INFO("cut after " << n << " frames from the guest to hostd");
    roll_out_through_relay(dir / ("h" + std::to_string(n)), *repository, Direction::guest_to_host,
                           n);
  }
}
