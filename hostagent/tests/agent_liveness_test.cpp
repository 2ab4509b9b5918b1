// Agent liveness in the rollout engine: every connected guest's agent is confirmed every
// timeouts.liveness; one that does not answer is agent_silent (its last report kept apart as
// last-known, never current coverage), gets no rollout step, and returns to its true status
// when it answers again. Recording targets, a real SQLite file, the clock in the test's hands.
#include <catch2/catch.hpp>

#include "core/protocol/error_codes.h"
#include "hostagent/error_codes.h"
#include "hostagent/tests/engine_rig.h"

using namespace hotsplice;
using namespace hotsplice::hostd;
using namespace hotsplice::hostd::testing;
using std::chrono::seconds;

namespace {

const Error kNoInventory(protocol::errc::kTimeout, "no inventory from the guest within 30 s");

// A rig whose guest "web1" answered with hs-1 live: patched.
struct PatchedGuest : Rig {
  Clock::time_point answered;
  PatchedGuest() {
    timeouts.liveness = seconds(60);
    timeouts.handshake = seconds(30);
    timeouts.retry = seconds(10);
    start();
    engine->guest_seen(guest("web1"));
    answered = now;
    targets.answer_hello("uuid-web1", hello(kNew, {"hs-1"}));
    REQUIRE(status("web1") == GuestStatus::patched);
  }
  std::size_t handshakes() { return targets["uuid-web1"].count("handshake"); }
};

}  // namespace

TEST_CASE("an idle agent that stops answering is agent_silent within liveness + handshake") {
  PatchedGuest rig;
  rig.advance(seconds(59));
  CHECK(rig.handshakes() == 1);
  rig.advance(seconds(1));  // the liveness check goes out
  CHECK(rig.handshakes() == 2);
  rig.advance(seconds(29));  // within its answer time: the last answer stands
  CHECK(rig.status("web1") == GuestStatus::patched);
  rig.advance(seconds(1));  // nobody answered the check
  auto record = rig.record("web1");
  CHECK(record.status == GuestStatus::agent_silent);
  CHECK_THAT(record.reason,
             Catch::Contains("no answer from the agent since " + format_utc(rig.answered)));
  CHECK_THAT(record.reason, Catch::Contains(errc::kAgentNoAnswer));
  CHECK_THAT(record.reason, Catch::Contains("last known: patched"));
  CHECK(record.last_contact == rig.answered);
  CHECK(record.applied.empty());
  REQUIRE(record.last_known);
  CHECK(record.last_known->applied.at(0).bundle_id == "hs-1");
  CHECK(rig.db->guest("uuid-web1")->value().status == "agent_silent");
  CHECK(summarize(rig.engine->coverage()).by_status.at(GuestStatus::patched) == 0);
  rig.advance(seconds(3600));  // the check is still in flight: not asked twice
  CHECK(rig.handshakes() == 2);

  // A late answer still counts: back to the truth, without an operator.
  rig.targets.answer_hello("uuid-web1", hello(kNew, {"hs-1"}));
  record = rig.record("web1");
  CHECK(record.status == GuestStatus::patched);
  CHECK_FALSE(record.last_known);
  CHECK(record.last_contact == rig.now);
  CHECK(rig.db->guest("uuid-web1")->value().status == "patched");
}

TEST_CASE("a failed check: silent, asked again every retry, no rollout step, requests refused") {
  PatchedGuest rig;
  rig.catalog.bundles.push_back({"hs-2", kNew, {"CVE-2024-0002"}, 2, ""});
  rig.engine->pause();
  rig.engine->catalog_changed();
  REQUIRE(rig.status("web1") == GuestStatus::pending);
  rig.advance(seconds(60));
  rig.targets.answer_hello("uuid-web1", kNoInventory);
  CHECK(rig.status("web1") == GuestStatus::agent_silent);
  CHECK_THAT(rig.reason("web1"), Catch::Contains("timeout: no inventory"));
  CHECK(rig.record("web1").last_known->status == GuestStatus::pending);

  rig.engine->resume();  // the rollout may go on, but not to a silent agent
  CHECK(rig.targets["uuid-web1"].count("send hs-2") == 0);
  auto refused = rig.engine->request_apply("web1", "");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == errc::kGuestNotReady);
  CHECK_THAT(refused.error().message(), Catch::Contains("does not answer"));
  CHECK(rig.engine->request_rollback("web1", "hs-1").error().code() == errc::kGuestNotReady);

  rig.advance(seconds(10));  // retry: asked again, and still silent while asked
  CHECK(rig.handshakes() == 3);
  CHECK(rig.status("web1") == GuestStatus::agent_silent);
  rig.targets.answer_hello("uuid-web1", hello(kNew, {"hs-1"}));
  CHECK(rig.targets["uuid-web1"].count("send hs-2") == 1);
  CHECK(rig.status("web1") == GuestStatus::pending);  // applying hs-2
}

TEST_CASE("an idle target that loses its agent is silent at once and reconnects at the tick") {
  PatchedGuest rig;
  rig.targets.lose("uuid-web1",
                   Error(protocol::errc::kTimeout, "no heartbeat echo from the guest within 10 s"));
  CHECK(rig.status("web1") == GuestStatus::agent_silent);
  CHECK_THAT(rig.reason("web1"), Catch::Contains("heartbeat"));
  CHECK(rig.engine->counters().errors.at(protocol::errc::kTimeout) == 1);
  rig.advance(seconds(1));
  CHECK(rig.handshakes() == 2);
  rig.targets.answer_hello("uuid-web1", hello(kNew, {"hs-1"}));
  CHECK(rig.status("web1") == GuestStatus::patched);
}

TEST_CASE("a restarted domain's earlier report is not current until its agent answers") {
  PatchedGuest rig;
  GuestInfo stopped = guest("web1");
  stopped.running = false;
  rig.engine->guest_seen(stopped);
  rig.engine->guest_seen(guest("web1"));
  CHECK(rig.status("web1") == GuestStatus::agent_silent);
  CHECK(rig.record("web1").last_known->status == GuestStatus::patched);
  rig.targets.answer_hello("uuid-web1", hello(kNew));  // rebooted: nothing live
  CHECK(rig.targets["uuid-web1"].count("send hs-1") == 1);
}

TEST_CASE("an operation whose agent stops answering is recorded for what it is") {
  Rig rig;
  rig.rollout.canary_count = 1;
  rig.start();
  rig.engine->guest_seen(guest("a"));
  auto answered = rig.now;
  rig.targets.answer_hello("uuid-a", hello(kNew));
  rig.now += seconds(5);

  SECTION("mid-transfer: interrupted (nothing reached the kernel), retried once it answers") {
    rig.targets.finish("uuid-a", Error(protocol::errc::kTimeout, "no progress of the transfer"));
    CHECK(rig.status("a") == GuestStatus::agent_silent);
    CHECK(rig.db->guest_bundles("uuid-a")->front().state == BundleEvent::interrupted);
    CHECK(rig.engine->rollout_status()["stage"] == "canary");
    rig.advance(rig.timeouts.retry);
    rig.targets.answer_hello("uuid-a", hello(kNew));
    CHECK(rig.targets["uuid-a"].count("send hs-1") == 2);
  }
  SECTION("mid-apply: failed with the timeout, the canary stops, the next hello decides") {
    rig.targets.finish("uuid-a");
    rig.targets.finish("uuid-a", Error(protocol::errc::kTimeout, "no result of apply hs-1"));
    auto record = rig.record("a");
    CHECK(record.status == GuestStatus::agent_silent);
    CHECK(record.last_contact == answered);  // a timeout is no answer
    REQUIRE(record.last_known);
    CHECK(record.last_known->status == GuestStatus::failed);
    auto row = rig.db->guest_bundles("uuid-a")->front();
    CHECK(row.state == BundleEvent::failed);
    CHECK(row.code == protocol::errc::kTimeout);
    CHECK(rig.engine->rollout_status()["stage"] == "stopped");
    rig.advance(rig.timeouts.retry);
    SECTION("it went live after all") {
      rig.targets.answer_hello("uuid-a", hello(kNew, {"hs-1"}));
      CHECK(rig.status("a") == GuestStatus::patched);
      CHECK(rig.db->guest_bundles("uuid-a")->front().state == BundleEvent::confirmed);
    }
    SECTION("it did not: failed, and not re-applied by itself") {
      rig.targets.answer_hello("uuid-a", hello(kNew));
      CHECK(rig.status("a") == GuestStatus::failed);
      CHECK_THAT(rig.reason("a"), Catch::Contains("hs-1: timeout"));
      rig.engine->resume();
      CHECK(rig.targets["uuid-a"].count("apply hs-1") == 1);
    }
  }
}
