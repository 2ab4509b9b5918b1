// The rollout engine's test rig: one engine over a real SQLite file, recording targets, a list
// catalogue and the clock in the test's hands (rollout_engine_test, agent_liveness_test).
#pragma once

#include <catch2/catch.hpp>

#include "hostagent/error_codes.h"
#include "hostagent/rollout_engine.h"
#include "hostagent/tests/list_catalog.h"
#include "hostagent/tests/recording_patch_target.h"
#include "tests/support/temp_dir.h"

namespace hotsplice::hostd::testing {

inline const KernelIdentity kNew{"6.1.0-56-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2",
                                 "aa11"};
inline const KernelIdentity kOld{"6.1.0-53-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.180-1",
                                 "bb22"};

inline TargetHello hello(const KernelIdentity& kernel, std::vector<std::string> live = {}) {
  TargetHello out{kernel, {}, "0.1.0"};
  for (auto& id : live) out.applied.push_back(protocol::AppliedPatch{id, "m", true, false});
  return out;
}

inline GuestInfo guest(const std::string& name, bool channel = true) {
  GuestInfo info;
  info.uuid = "uuid-" + name;
  info.name = name;
  info.running = true;
  info.kind = "kvm";
  if (channel) info.channel_path = "/run/libvirt/qemu/channel/" + name + ".sock";
  return info;
}

// One engine over one database file, with the clock in the test's hands.
struct Rig {
  hotsplice::testing::TempDir dir;
  ListCatalog catalog;
  RecordingTargets targets;
  Logger log{"hostd-test", LogLevel::error};
  Clock::time_point now = Clock::time_point(std::chrono::seconds(1'800'000'000));
  std::optional<StateDb> db;
  std::unique_ptr<RolloutEngine> engine;
  RolloutConfig rollout;
  TimeoutConfig timeouts;

  Rig() {
    catalog.bundles = {{"hs-1", kNew, {"CVE-2024-1086"}, 1, ""}};
    rollout.canary_count = 0;
    // The idle check every 300 s (these tests' timelines predate it); agent_liveness_test
    // sets its own.
    timeouts.liveness = timeouts.recheck;
  }
  void start() {
    engine.reset();
    db.reset();
    auto opened = StateDb::open(dir / "hostd.db");
    REQUIRE(opened);
    db.emplace(std::move(*opened));
    engine = std::make_unique<RolloutEngine>(*db, catalog, targets.factory(), log,
                                             [this] { return now; });
    REQUIRE(engine->start(rollout, timeouts));
  }
  // Completes the transfer and then the apply of the current bundle.
  void complete(const std::string& name, Status apply_result = Status::ok()) {
    targets.finish("uuid-" + name);
    targets.finish("uuid-" + name, std::move(apply_result));
  }
  CoverageRecord record(const std::string& name) {
    for (auto& r : engine->coverage()) {
      if (r.name == name) return r;
    }
    FAIL("no coverage record for " << name);
    return {};
  }
  // A guest reporting `live` on kNew, then an operator's rollback of `bundle` that completes.
  void operator_rolls_back(const std::string& name, std::vector<std::string> live,
                           const std::string& bundle) {
    engine->guest_seen(guest(name));
    targets.answer_hello("uuid-" + name, hello(kNew, std::move(live)));
    REQUIRE(engine->request_rollback(name, bundle));
    targets.finish("uuid-" + name);
  }
  GuestStatus status(const std::string& name) { return record(name).status; }
  std::string reason(const std::string& name) { return record(name).reason; }
  void advance(std::chrono::seconds by) {
    now += by;
    engine->tick();
  }
};

}  // namespace hotsplice::hostd::testing
