// What an operator's apply and rollback answer and leave behind: why nothing was queued (each
// case its code), an apply over a pin, a rolled-back bundle and one superseded by a newer live
// level (docs/hostd.md "Operator apply").
#include <catch2/catch.hpp>

#include "hostagent/tests/engine_rig.h"

using namespace hotsplice;
using namespace hotsplice::hostd;
using namespace hotsplice::hostd::testing;

namespace {

// The code of the reason an apply queued nothing (fails the test when something was queued).
std::string nothing_queued_code(const Expected<Json>& answer) {
  REQUIRE(answer);
  CHECK((*answer)["queued"].empty());
  REQUIRE((*answer)["nothing_queued"].is_object());
  CHECK_FALSE((*answer)["nothing_queued"]["message"].get<std::string>().empty());
  return (*answer)["nothing_queued"]["code"].get<std::string>();
}

}  // namespace

TEST_CASE("an apply that queues nothing says why, one code per case") {
  Rig rig;
  rig.rollout.policy = RolloutPolicy::manual;
  rig.rollout.pins = {{"held", ""}};
  rig.start();
  for (auto name : {"legacy", "held", "done"}) rig.engine->guest_seen(guest(name));
  rig.targets.answer_hello("uuid-legacy", hello(kOld));
  rig.targets.answer_hello("uuid-held", hello(kNew));
  rig.targets.answer_hello("uuid-done", hello(kNew, {"hs-1"}));

  // Nothing targets its kernel: not "already live" (legacy-1 in the demo).
  CHECK(rig.status("legacy") == GuestStatus::unsupported_kernel);
  auto legacy = rig.engine->request_apply("legacy", "");
  CHECK(nothing_queued_code(legacy) == errc::kNoBundleForKernel);
  CHECK_THAT((*legacy)["nothing_queued"]["message"].get<std::string>(),
             Catch::Contains("6.1.0-53-amd64"));
  // Pinned at no patch with nothing live: held by its pin.
  auto held = rig.engine->request_apply("held", "");
  CHECK(nothing_queued_code(held) == errc::kHeldByPin);
  CHECK_THAT((*held)["nothing_queued"]["message"].get<std::string>(),
             Catch::Contains("pinned at no patch"));
  // Everything live: already live, by name or not.
  CHECK(nothing_queued_code(rig.engine->request_apply("done", "")) == errc::kAlreadyLive);
  CHECK(nothing_queued_code(rig.engine->request_apply("done", "hs-1")) == errc::kAlreadyLive);
  // Something queued: no reason.
  rig.rollout.pins.clear();
  rig.engine->reconfigure(rig.rollout, rig.timeouts);
  auto queued = rig.engine->request_apply("held", "");
  REQUIRE(queued);
  CHECK((*queued)["queued"] == Json::array({"hs-1"}));
  CHECK((*queued)["nothing_queued"].is_null());
}

TEST_CASE("an operator's named apply overrides the pin, and the record says what is live") {
  Rig rig;
  rig.catalog.bundles.push_back({"hs-2", kNew, {"CVE-2026-0002"}, 2, ""});
  rig.rollout.pins = {{"web2", ""}};
  rig.start();
  rig.engine->guest_seen(guest("web2"));
  rig.targets.answer_hello("uuid-web2", hello(kNew));
  CHECK(rig.targets["uuid-web2"].count("send hs-1") == 0);  // the rollout honours the pin
  auto queued = rig.engine->request_apply("web2", "hs-1");
  REQUIRE(queued);
  CHECK((*queued)["queued"] == Json::array({"hs-1"}));
  rig.complete("web2");
  auto record = rig.record("web2");
  CHECK(record.effective_kernel == "6.1.0-56-amd64+hotsplice.hs-1");
  REQUIRE(record.applied.size() == 1);
  // Still pending, but only for what the pin really holds back, never "held at no patch".
  CHECK(record.status == GuestStatus::pending);
  CHECK(record.reason == "its pin (pinned at no patch) holds back hs-2");
  // The rollout does not take the rest over the pin; the operator can.
  rig.advance(rig.timeouts.recheck);
  rig.targets.answer_hello("uuid-web2", hello(kNew, {"hs-1"}));
  CHECK(rig.targets["uuid-web2"].count("send hs-2") == 0);
  REQUIRE(rig.engine->request_apply("web2", "hs-2"));
  rig.complete("web2");
  CHECK(rig.status("web2") == GuestStatus::patched);
}

TEST_CASE("a rollback does not leave the guest pending forever, a newer live level supersedes it") {
  Rig rig;
  rig.start();
  rig.operator_rolls_back("web1", {"hs-1"}, "hs-1");
  // Automatic policy; the rollout will not re-apply it: not pending, and its CVE stays open.
  auto record = rig.record("web1");
  CHECK(record.status == GuestStatus::patched);
  CHECK_THAT(record.reason, Catch::Contains("hs-1 rolled back by the operator"));
  REQUIRE(record.available.size() == 1);
  CHECK(record.available[0].why_not == why_not::kRolledBack);
  CHECK(record.cves_open == std::vector<std::string>{"CVE-2024-1086"});

  // A newer cumulative level arrives: it waits behind the rolled-back one (pending, saying so).
  rig.catalog.bundles.push_back({"hs-2", kNew, {"CVE-2024-1086", "CVE-2026-0002"}, 2, ""});
  rig.engine->catalog_changed();
  CHECK(rig.targets["uuid-web1"].count("send hs-2") == 0);
  CHECK(rig.status("web1") == GuestStatus::pending);
  CHECK(rig.record("web1").available[1].why_not == why_not::kAfterRollback);
  // The operator applies it: atomic replace, so hs-1 is superseded, not missing.
  REQUIRE(rig.engine->request_apply("web1", "hs-2"));
  rig.complete("web1");
  rig.advance(rig.timeouts.recheck);
  rig.targets.answer_hello("uuid-web1", hello(kNew, {"hs-2"}));
  record = rig.record("web1");
  CHECK(record.status == GuestStatus::patched);
  CHECK(record.reason.empty());
  CHECK(record.available[0].why_not == why_not::kSuperseded);
  CHECK(record.cves_open.empty());
  // Never applied again under the newer level, by the rollout or a bare apply.
  CHECK(rig.targets["uuid-web1"].count("send hs-1") == 0);
  CHECK(nothing_queued_code(rig.engine->request_apply("web1", "")) == errc::kAlreadyLive);
  CHECK(nothing_queued_code(rig.engine->request_apply("web1", "hs-1")) == errc::kAlreadyLive);
}
