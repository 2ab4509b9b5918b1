// The rollout engine against recording targets, a list catalogue and a real SQLite file.
#include <catch2/catch.hpp>

#include "core/apply/error_codes.h"
#include "hostagent/error_codes.h"
#include "hostagent/tests/engine_rig.h"

using namespace hotsplice;
using namespace hotsplice::hostd;
using namespace hotsplice::hostd::testing;

TEST_CASE("automatic rollout patches guests whose kernel a bundle targets exactly") {
  Rig rig;
  rig.start();
  for (auto name : {"web1", "web2", "old1"}) rig.engine->guest_seen(guest(name));
  rig.targets.answer_hello("uuid-web1", hello(kNew));
  rig.targets.answer_hello("uuid-web2", hello(kNew));
  rig.targets.answer_hello("uuid-old1", hello(kOld));
  CHECK(rig.targets["uuid-web1"].calls == std::vector<std::string>{"handshake", "send hs-1"});
  rig.complete("web1");
  rig.complete("web2");
  CHECK(rig.targets["uuid-web1"].calls.back() == "apply hs-1");
  CHECK(rig.status("web1") == GuestStatus::patched);
  CHECK(rig.status("web2") == GuestStatus::patched);
  // No bundle for the older kernel: said plainly, never "up to date", and nothing sent.
  CHECK(rig.status("old1") == GuestStatus::unsupported_kernel);
  CHECK_THAT(rig.reason("old1"), Catch::Contains("6.1.0-53-amd64"));
  CHECK(rig.targets["uuid-old1"].calls == std::vector<std::string>{"handshake"});
  auto history = rig.db->history("uuid-web1");
  REQUIRE(history->size() == 3);
  CHECK(history->at(0).state == BundleEvent::offered);
  CHECK(history->at(1).state == BundleEvent::transferred);
  CHECK(history->at(2).state == BundleEvent::applied);
  auto row = rig.db->guest("uuid-old1");
  REQUIRE(row->has_value());
  CHECK((*row)->status == "unsupported_kernel");
}

TEST_CASE("a kernel that differs in build-id alone is unsupported") {
  Rig rig;
  rig.start();
  rig.engine->guest_seen(guest("web1"));
  KernelIdentity rebuilt = kNew;
  rebuilt.build_id = "aa12";
  rig.targets.answer_hello("uuid-web1", hello(rebuilt));
  CHECK(rig.status("web1") == GuestStatus::unsupported_kernel);
  CHECK(rig.targets["uuid-web1"].count("send hs-1") == 0);
}

TEST_CASE("refresh asks an idle guest's hello at the next tick, not at the recheck time") {
  Rig rig;
  rig.start();
  rig.engine->guest_seen(guest("web1"));
  rig.targets.answer_hello("uuid-web1", hello(kNew, {"hs-1"}));
  rig.advance(std::chrono::seconds(1));
  CHECK(rig.targets["uuid-web1"].count("handshake") == 1);  // idle until the recheck time
  rig.engine->refresh("uuid-web1");
  rig.engine->refresh("uuid-unknown");  // a guest hostd does not know: nothing happens
  rig.advance(std::chrono::seconds(1));
  CHECK(rig.targets["uuid-web1"].count("handshake") == 2);
}

TEST_CASE("statuses before a hello: no_channel, unknown, agent_silent and a retry") {
  Rig rig;
  rig.start();
  rig.engine->guest_seen(guest("bare", false));
  rig.engine->guest_seen(guest("quiet"));
  CHECK(rig.status("bare") == GuestStatus::no_channel);
  CHECK(rig.status("quiet") == GuestStatus::unknown);
  rig.targets.answer_hello("uuid-quiet", Error(errc::kChannelTimeout, "no sync_ack in 30 s"));
  CHECK(rig.status("quiet") == GuestStatus::agent_silent);
  CHECK_THAT(rig.reason("quiet"), Catch::Contains("channel_timeout"));
  rig.advance(std::chrono::seconds(5));
  CHECK(rig.targets["uuid-quiet"].count("handshake") == 1);  // not before the retry time
  rig.advance(rig.timeouts.retry);
  CHECK(rig.targets["uuid-quiet"].count("handshake") == 2);
  rig.targets.answer_hello("uuid-quiet", hello(kNew));
  CHECK(rig.status("quiet") == GuestStatus::pending);
}

TEST_CASE("canary stage: one guest first, a wait, then the rest") {
  Rig rig;
  rig.rollout.canary_count = 1;
  rig.rollout.canary_wait = std::chrono::seconds(60);
  rig.start();
  for (auto name : {"a", "b", "c"}) rig.engine->guest_seen(guest(name));
  for (auto name : {"a", "b", "c"})
    rig.targets.answer_hello(std::string("uuid-") + name, hello(kNew));
  std::size_t sent = 0;
  for (auto name : {"a", "b", "c"})
    sent += rig.targets[std::string("uuid-") + name].count("send hs-1");
  CHECK(sent == 1);
  CHECK(rig.engine->rollout_status()["stage"] == "canary");
  CHECK(rig.status("b") == GuestStatus::pending);
  CHECK_THAT(rig.reason("b"), Catch::Contains("canary"));
  rig.complete("a");
  CHECK(rig.engine->rollout_status()["stage"] == "canary_wait");
  rig.advance(std::chrono::seconds(30));
  CHECK(rig.targets["uuid-b"].count("send hs-1") == 0);
  rig.advance(std::chrono::seconds(31));
  CHECK(rig.engine->rollout_status()["stage"] == "general");
  CHECK(rig.targets["uuid-b"].count("send hs-1") == 1);
  CHECK(rig.targets["uuid-c"].count("send hs-1") == 1);
}

TEST_CASE("a failed canary stops the rollout, leaves the others untouched, and says why") {
  Rig rig;
  rig.rollout.canary_count = 1;
  rig.start();
  for (auto name : {"a", "b", "c"}) rig.engine->guest_seen(guest(name));
  for (auto name : {"a", "b", "c"})
    rig.targets.answer_hello(std::string("uuid-") + name, hello(kNew));
  rig.complete("a",
               Error(apply::errc::kTransitionStalled, "tasks still on the old code after 15 s"));
  auto status = rig.engine->rollout_status();
  CHECK(status["stage"] == "stopped");
  CHECK_THAT(status["reason"].get<std::string>(), Catch::Contains("a failed to apply hs-1"));
  CHECK_THAT(status["reason"].get<std::string>(), Catch::Contains("transition_stalled"));
  CHECK(rig.status("a") == GuestStatus::failed);
  CHECK_THAT(rig.reason("a"), Catch::Contains("transition_stalled"));
  rig.advance(std::chrono::seconds(3600));
  for (auto name : {"b", "c"}) {
    CHECK(rig.targets[std::string("uuid-") + name].count("send hs-1") == 0);
    CHECK(rig.status(name) == GuestStatus::pending);
    CHECK_THAT(rig.reason(name), Catch::Contains("rollout stopped"));
  }
  CHECK(rig.engine->rollout_status()["canaries"] == Json::array({"a"}));
  // The stop survives a restart of hostd; the canary, not seen again yet, keeps its name
  // from the database (never a bare uuid).
  rig.start();
  CHECK(rig.engine->rollout_status()["stage"] == "stopped");
  CHECK(rig.engine->rollout_status()["canaries"] == Json::array({"a"}));
  // The operator decides to go on.
  rig.engine->resume();
  CHECK(rig.engine->rollout_status()["stage"] == "general");
}

TEST_CASE("canary percentage rounds up over the guests that answered") {
  Rig rig;
  rig.rollout.canary_count = 0;
  rig.rollout.canary_percent = 10;
  rig.start();
  for (int i = 0; i < 12; ++i) rig.engine->guest_seen(guest("g" + std::to_string(i)));
  for (int i = 0; i < 12; ++i) rig.targets.answer_hello("uuid-g" + std::to_string(i), hello(kNew));
  CHECK(rig.engine->rollout_status()["canary_target"] == 2);
  CHECK(rig.engine->rollout_status()["canaries"].size() == 2);
}

TEST_CASE("the concurrency limit bounds guests in flight") {
  Rig rig;
  rig.rollout.concurrency = 1;
  rig.start();
  for (auto name : {"a", "b", "c"}) rig.engine->guest_seen(guest(name));
  for (auto name : {"a", "b", "c"})
    rig.targets.answer_hello(std::string("uuid-") + name, hello(kNew));
  auto in_flight = [&] { return rig.engine->rollout_status()["in_flight"].get<int>(); };
  CHECK(in_flight() == 1);
  CHECK(rig.targets["uuid-b"].count("send hs-1") == 0);
  rig.complete("a");
  CHECK(rig.targets["uuid-b"].count("send hs-1") == 1);
  CHECK(in_flight() == 1);
  rig.complete("b");
  rig.complete("c");
  CHECK(in_flight() == 0);
  for (auto name : {"a", "b", "c"}) CHECK(rig.status(name) == GuestStatus::patched);
}

TEST_CASE("pins hold a guest at a patch level") {
  Rig rig;
  rig.catalog.bundles.push_back({"hs-2", kNew, {}, 2, ""});
  rig.rollout.pins = {{"held", ""}, {"uuid-one", "hs-1"}};
  rig.start();
  for (auto name : {"held", "one", "free"}) rig.engine->guest_seen(guest(name));
  for (auto name : {"held", "one", "free"})
    rig.targets.answer_hello(std::string("uuid-") + name, hello(kNew));
  rig.complete("one");
  rig.complete("free");
  rig.complete("free");
  CHECK(rig.targets["uuid-free"].count("apply hs-2") == 1);
  CHECK(rig.targets["uuid-one"].count("apply hs-1") == 1);
  CHECK(rig.targets["uuid-one"].count("send hs-2") == 0);
  CHECK(rig.targets["uuid-held"].calls.size() == 1);
  CHECK(rig.status("free") == GuestStatus::patched);
  // Held below the newest level: not claimed as patched.
  CHECK(rig.status("one") == GuestStatus::pending);
  CHECK_THAT(rig.reason("one"), Catch::Contains("pinned to hs-1"));
  CHECK(rig.status("held") == GuestStatus::pending);
  CHECK(rig.db->pins()->at("held") == "");
}

TEST_CASE("manual policy: nothing moves until the operator applies, and rollback by hand") {
  Rig rig;
  rig.rollout.policy = RolloutPolicy::manual;
  rig.start();
  rig.engine->guest_seen(guest("web1"));
  rig.targets.answer_hello("uuid-web1", hello(kNew));
  CHECK(rig.targets["uuid-web1"].calls.size() == 1);
  CHECK_THAT(rig.reason("web1"), Catch::Contains("manual"));
  CHECK(rig.engine->request_apply("nobody", "").error().code() == errc::kUnknownGuest);
  CHECK(rig.engine->request_apply("web1", "hs-9").error().code() == errc::kBundleNotForKernel);
  auto queued = rig.engine->request_apply("web1", "");
  REQUIRE(queued);
  CHECK((*queued)["queued"] == Json::array({"hs-1"}));
  rig.complete("web1");
  CHECK(rig.status("web1") == GuestStatus::patched);
  CHECK(rig.engine->request_rollback("web1", "hs-7").error().code() == errc::kUnknownBundle);
  REQUIRE(rig.engine->request_rollback("web1", "hs-1"));
  CHECK(rig.targets["uuid-web1"].calls.back() == "rollback hs-1");
  rig.targets.finish("uuid-web1");
  // The operator's verdict: not pending on an apply nobody will make (operator_apply_test).
  CHECK(rig.status("web1") == GuestStatus::patched);
  CHECK_THAT(rig.reason("web1"), Catch::Contains("rolled back"));
  CHECK(rig.db->guest_bundles("uuid-web1")->front().state == BundleEvent::rolled_back);
}

TEST_CASE("an operator rollback is not undone by the automatic rollout") {
  Rig rig;
  rig.start();
  rig.operator_rolls_back("web1", {"hs-1"}, "hs-1");
  rig.advance(rig.timeouts.recheck);
  rig.targets.answer_hello("uuid-web1", hello(kNew));
  CHECK(rig.targets["uuid-web1"].count("send hs-1") == 0);
  // ... until the operator applies it again.
  REQUIRE(rig.engine->request_apply("web1", "hs-1"));
  CHECK(rig.targets["uuid-web1"].count("send hs-1") == 1);
}

TEST_CASE("pause holds new work and resume releases it") {
  Rig rig;
  rig.start();
  rig.engine->pause();
  rig.engine->guest_seen(guest("web1"));
  rig.targets.answer_hello("uuid-web1", hello(kNew));
  CHECK(rig.targets["uuid-web1"].count("send hs-1") == 0);
  CHECK_THAT(rig.reason("web1"), Catch::Contains("paused"));
  rig.start();  // the pause is in the database
  CHECK(rig.engine->rollout_status()["paused"] == true);
  rig.engine->guest_seen(guest("web1"));
  rig.targets.answer_hello("uuid-web1", hello(kNew));
  rig.engine->resume();
  CHECK(rig.targets["uuid-web1"].count("send hs-1") == 1);
}

TEST_CASE("a crash mid-apply resumes without applying twice: the hello is the truth") {
  Rig rig;
  rig.start();
  rig.engine->guest_seen(guest("a"));
  rig.engine->guest_seen(guest("b"));
  rig.targets.answer_hello("uuid-a", hello(kNew));
  rig.targets.answer_hello("uuid-b", hello(kNew));
  rig.targets.finish("uuid-a");  // a: transferred, apply sent, then hostd dies
  CHECK(rig.targets["uuid-a"].calls.back() == "apply hs-1");
  // b: offered, then hostd dies before the transfer ends.
  rig.start();  // a new engine over the same database file
  rig.engine->guest_seen(guest("a"));
  rig.engine->guest_seen(guest("b"));
  // a had applied it before the crash; b had not.
  rig.targets.answer_hello("uuid-a", hello(kNew, {"hs-1"}));
  rig.targets.answer_hello("uuid-b", hello(kNew));
  CHECK(rig.targets["uuid-a"].count("apply hs-1") == 1);
  CHECK(rig.targets["uuid-a"].count("send hs-1") == 1);
  CHECK(rig.status("a") == GuestStatus::patched);
  CHECK(rig.db->guest_bundles("uuid-a")->front().state == BundleEvent::confirmed);
  CHECK(rig.targets["uuid-b"].count("send hs-1") == 2);
  rig.complete("b");
  CHECK(rig.targets["uuid-b"].count("apply hs-1") == 1);
  CHECK(rig.status("b") == GuestStatus::patched);
}

TEST_CASE("a new catalogue generation starts a new rollout with fresh canaries") {
  Rig rig;
  rig.rollout.canary_count = 1;
  rig.rollout.canary_wait = std::chrono::seconds(0);
  rig.start();
  rig.engine->guest_seen(guest("a"));
  rig.targets.answer_hello("uuid-a", hello(kNew));
  rig.complete("a");
  CHECK(rig.engine->rollout_status()["stage"] == "general");
  rig.catalog.bundles.push_back({"hs-2", kNew, {}, 2, ""});
  rig.catalog.generation_name = "gen-2";
  rig.engine->catalog_changed();
  auto status = rig.engine->rollout_status();
  CHECK(status["generation"] == "gen-2");
  CHECK(status["canaries"] == Json::array({"a"}));
  CHECK(rig.targets["uuid-a"].count("send hs-2") == 1);
}

TEST_CASE("completions of a replaced or vanished target are ignored") {
  Rig rig;
  rig.start();
  rig.engine->guest_seen(guest("a"));
  rig.targets.answer_hello("uuid-a", hello(kNew));
  auto stale = std::move(rig.targets["uuid-a"].pending);
  rig.engine->guest_gone("uuid-a");
  stale(Status::ok());  // a late completion from the closed session
  CHECK(rig.engine->coverage().empty());
  CHECK(rig.db->history("uuid-a")->size() == 1);  // offered only
}

TEST_CASE("a channel lost mid-apply is an interruption: asked again, retried, no canary stop") {
  Rig rig;
  rig.rollout.canary_count = 1;
  rig.start();
  rig.engine->guest_seen(guest("a"));
  rig.targets.answer_hello("uuid-a", hello(kNew));
  rig.targets.finish("uuid-a");
  rig.targets.finish("uuid-a", Error(errc::kChannelClosed, "the guest side closed the channel"));
  CHECK(rig.engine->rollout_status()["stage"] == "canary");
  CHECK(rig.status("a") == GuestStatus::agent_silent);
  CHECK(rig.db->guest_bundles("uuid-a")->front().state == BundleEvent::interrupted);
  rig.advance(rig.timeouts.retry);
  CHECK(rig.targets["uuid-a"].count("handshake") == 2);
  rig.targets.answer_hello("uuid-a", hello(kNew));  // it rebooted: nothing live
  CHECK(rig.targets["uuid-a"].count("send hs-1") == 2);
  rig.complete("a");
  CHECK(rig.status("a") == GuestStatus::patched);
}

TEST_CASE(
    "a guest whose crash guard blocks a bundle is failed, never auto-applied, "
    "an operator's apply clears and applies") {
  Rig rig;
  rig.start();
  rig.engine->guest_seen(guest("web1"));
  TargetHello crashed = hello(kNew);
  crashed.crash_records = {{"hs-1", "0b7f3c1e-boot", 1'800'000'000, "crashed_last_time"}};
  rig.targets.answer_hello("uuid-web1", crashed);
  CHECK(rig.status("web1") == GuestStatus::failed);
  CHECK_THAT(rig.reason("web1"), Catch::Contains("hs-1: crashed_last_time"));
  CHECK(rig.targets["uuid-web1"].calls == std::vector<std::string>{"handshake"});

  REQUIRE(rig.engine->request_apply("web1", "hs-1"));
  rig.targets.finish("uuid-web1");  // the transfer
  CHECK(rig.targets["uuid-web1"].calls.back() == "apply clearing the crash record hs-1");
  CHECK(rig.targets["uuid-web1"].count("apply hs-1") == 0);
}

TEST_CASE("a guest directory down: VMs unknown with their last report, nothing sent, back after") {
  Rig rig;
  rig.rollout.policy = RolloutPolicy::automatic;
  rig.start();
  rig.engine->pause();
  rig.engine->guest_seen(guest("web1"));
  rig.targets.answer_hello("uuid-web1", hello(kNew));  // hs-1 not live: pending (paused)
  rig.engine->guest_seen(guest("legacy"));
  rig.targets.answer_hello("uuid-legacy", hello(kOld));  // no bundle: unsupported_kernel
  rig.engine->guest_seen(guest("db1", false));           // no_channel
  GuestInfo host = guest("host");
  host.local_kernel = true;
  rig.engine->guest_seen(host);
  rig.targets.answer_hello("uuid-host", hello(kNew, {"hs-1"}));
  REQUIRE(rig.status("web1") == GuestStatus::pending);
  REQUIRE(rig.status("legacy") == GuestStatus::unsupported_kernel);
  REQUIRE(rig.status("db1") == GuestStatus::no_channel);
  REQUIRE(rig.status("host") == GuestStatus::patched);

  const std::string why = "guest directory qemu:///system disconnected since T (gone)";
  rig.engine->directory_changed(false, why);
  for (const char* name : {"web1", "legacy", "db1"}) {
    INFO(name);
    auto record = rig.record(name);
    CHECK(record.status == GuestStatus::unknown);
    CHECK_THAT(record.reason, Catch::StartsWith(why));
    CHECK(record.available.empty());
    CHECK_FALSE(record.cves_known);
  }
  CHECK(rig.record("web1").last_known->status == GuestStatus::pending);
  CHECK(rig.record("legacy").last_known->status == GuestStatus::unsupported_kernel);
  CHECK_THAT(rig.reason("db1"), Catch::EndsWith("last known: no_channel"));
  CHECK(rig.status("host") == GuestStatus::patched);  // not listed by the directory
  // The state database says so too.
  auto row = rig.db->guest("uuid-legacy");
  REQUIRE(row);
  REQUIRE(*row);
  CHECK((*row)->status == "unknown");

  // Nothing is sent to an unknown VM: neither the rollout nor an operator's request.
  rig.engine->resume();
  CHECK(rig.targets["uuid-web1"].count("send hs-1") == 0);
  auto refused = rig.engine->request_apply("web1", "");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == errc::kGuestNotReady);
  CHECK_THAT(refused.error().message(), Catch::Contains(why));

  // The directory answers again: true statuses, and the held work goes on.
  rig.engine->directory_changed(true, "");
  CHECK(rig.status("legacy") == GuestStatus::unsupported_kernel);
  CHECK_FALSE(rig.record("legacy").last_known);
  CHECK(rig.targets["uuid-web1"].count("send hs-1") == 1);
}
