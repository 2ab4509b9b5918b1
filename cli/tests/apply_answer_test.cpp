// What `hotsplice apply` prints and exits with for each answer of a real rollout engine
// (hostagent's engine rig: a real SQLite file, recording targets): the true reason when
// nothing was queued, and failure unless everything asked for is already live.
#include <catch2/catch.hpp>

#include "cli/hostd_commands.h"
#include "hostagent/tests/engine_rig.h"

using namespace hotsplice;
using namespace hotsplice::cli;
using namespace hotsplice::hostd;
using namespace hotsplice::hostd::testing;

TEST_CASE("hotsplice apply prints why nothing was queued and fails unless already live") {
  Rig rig;
  rig.rollout.policy = RolloutPolicy::manual;
  rig.rollout.pins = {{"held", ""}};
  rig.start();
  for (auto name : {"legacy-1", "held", "done", "web"}) rig.engine->guest_seen(guest(name));
  rig.targets.answer_hello("uuid-legacy-1", hello(kOld));
  rig.targets.answer_hello("uuid-held", hello(kNew));
  rig.targets.answer_hello("uuid-done", hello(kNew, {"hs-1"}));
  rig.targets.answer_hello("uuid-web", hello(kNew));

  auto outcome = [&](const std::string& name) {
    auto answer = rig.engine->request_apply(name, "");
    REQUIRE(answer);
    return describe_apply_answer(*answer);
  };
  // legacy-1 in the demo: unsupported_kernel, nothing live. Never "already live".
  auto legacy = outcome("legacy-1");
  CHECK(legacy.exit_code == kExitFailure);
  CHECK_THAT(legacy.line, Catch::StartsWith("legacy-1: nothing queued: no verified bundle"));
  CHECK_THAT(legacy.line, Catch::EndsWith("[no_bundle_for_kernel]\n"));
  CHECK_THAT(legacy.line, !Catch::Contains("already live"));
  auto held = outcome("held");
  CHECK(held.exit_code == kExitFailure);
  CHECK_THAT(held.line, Catch::Contains("pinned at no patch"));
  CHECK_THAT(held.line, Catch::EndsWith("[held_by_pin]\n"));
  auto done = outcome("done");
  CHECK(done.exit_code == kExitOk);
  CHECK_THAT(done.line, Catch::EndsWith("[already_live]\n"));
  auto web = outcome("web");
  CHECK(web.exit_code == kExitOk);
  CHECK(web.line == "web: queued [\"hs-1\"] (see hotsplice guests)\n");
  // An answer without a reason (an older hostd) is not taken for success.
  CHECK(describe_apply_answer(Json{{"guest", "x"}, {"queued", Json::array()}}).exit_code ==
        kExitFailure);
  CHECK(describe_apply_answer(Json::array()).exit_code == kExitFailure);
}
