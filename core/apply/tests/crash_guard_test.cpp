// The crash-loop guard on recorded trees: the fake kernel's root holds the boot id, the
// taint mask and a kernel log, and "a crash" is what it leaves behind: the attempt record
// on disk, a new boot id, no live patch. Each case would fail if the guard stopped doing
// its one job (never re-apply what killed or hurt the kernel, without being told to).
#include <catch2/catch.hpp>

#include <thread>

#include "core/apply/crash_guard.h"
#include "core/apply/error_codes.h"
#include "core/apply/kernel_health.h"
#include "core/apply/tests/patch_manager_fixture.h"

using namespace hotsplice;
using namespace hotsplice::apply;
using namespace hotsplice::testing;
using namespace std::chrono_literals;
using platform::Environment;

namespace {

constexpr const char* kId = "hs-test-0001";
const PatchTimeouts kLongSettle{200ms, 100ms, 60s};
const PatchTimeouts kNoSettle{200ms, 100ms, 0ms};

// What a panic leaves: the kernel's state gone, a new boot id, the state directory as the
// last fsync left it. The agent starts again with a new PatchManager.
PatchManager boot_again(PatchManagerFixture& f, PatchTimeouts timeouts = kNoSettle) {
  f.kernel.lose_power();
  f.kernel.reboot();
  return PatchManager(f.dir.path(), kRunning, {Environment::Kind::vm, "kvm"}, f.keys, f.store,
                      f.kernel, f.log, timeouts);
}

Outcome apply_test_bundle(PatchManagerFixture& f, PatchManager& patches) {
  auto file = f.bundle_file(make_bundle(compile_module(f.dir, true), f.key));
  return patches.apply_bundle_file(kId, file);
}

}  // namespace

TEST_CASE("crash guard: a bundle whose attempt survives into the next boot is not re-applied") {
  PatchManagerFixture f({Environment::Kind::vm, "kvm"}, kLongSettle);
  Outcome applied = apply_test_bundle(f, f.patches);
  INFO(applied.message);
  REQUIRE(applied.ok);
  // Settling: the record is on disk, and in this boot it is no crash record.
  CHECK(f.store.attempt_ids() == std::vector<std::string>{kId});
  CHECK(f.patches.crash_records().empty());
  auto before = f.store.read_attempt(kId);
  REQUIRE(before);
  REQUIRE(*before);
  std::string first_boot = (*before)->boot_id;

  PatchManager after_crash = boot_again(f);
  CHECK(after_crash.apply_stored() == 0);
  CHECK_FALSE(f.kernel.loaded);
  auto records = after_crash.crash_records();
  REQUIRE(records.size() == 1);
  CHECK(records[0].bundle_id == kId);
  CHECK(records[0].boot_id == first_boot);
  CHECK(records[0].code == errc::kCrashedLastTime);
  CHECK(records[0].started_at > 0);
  CHECK(f.store.applied_ids().empty());  // out of the boot-time set
  CHECK(f.log_pipe.read_all().find("stored bundle hs-test-0001 not re-applied: "
                                   "crashed_last_time") != std::string::npos);

  // Offered again by a host: refused with the same code, nothing loaded.
  Outcome again = apply_test_bundle(f, after_crash);
  CHECK(again.code == errc::kCrashedLastTime);
  CHECK(again.message.find("--clear-crash hs-test-0001") != std::string::npos);
  CHECK_FALSE(f.kernel.loaded);

  // Still blocked after yet another boot, until an operator clears it.
  PatchManager third = boot_again(f);
  CHECK(third.crash_records().size() == 1);
  REQUIRE(third.clear_crash_record(kId));
  CHECK(third.crash_records().empty());
  CHECK(third.clear_crash_record(kId).error().code() == errc::kNoCrashRecord);
  Outcome cleared = apply_test_bundle(f, third);
  INFO(cleared.message);
  CHECK(cleared.ok);
  CHECK(f.kernel.loaded);
}

TEST_CASE("crash guard: a settled patch's record is cleared and it is re-applied at boot") {
  SECTION("settle time zero: checked once, at once") {
    PatchManagerFixture f({Environment::Kind::vm, "kvm"}, kNoSettle);
    REQUIRE(apply_test_bundle(f, f.patches).ok);
    CHECK(f.store.attempt_ids().empty());
    PatchManager rebooted = boot_again(f);
    CHECK(rebooted.apply_stored() == 1);
    CHECK(rebooted.crash_records().empty());
  }
  SECTION("a settle time that passes while poll_settling is called") {
    PatchManagerFixture f({Environment::Kind::vm, "kvm"}, {200ms, 100ms, 150ms});
    REQUIRE(apply_test_bundle(f, f.patches).ok);
    CHECK(f.patches.poll_settling().empty());  // not yet
    REQUIRE(f.patches.next_settle_check());
    std::vector<Outcome> concluded;
    for (int i = 0; i < 50 && concluded.empty(); ++i) {
      std::this_thread::sleep_until(*f.patches.next_settle_check());
      concluded = f.patches.poll_settling();
    }
    REQUIRE(concluded.size() == 1);
    CHECK(concluded[0].ok);
    CHECK((*concluded[0].state)["bundle_id"] == kId);
    CHECK(f.store.attempt_ids().empty());
    CHECK_FALSE(f.patches.next_settle_check());
    CHECK(f.log_pipe.read_all().find("bundle hs-test-0001 settled") != std::string::npos);
  }
  SECTION("a rollback during the settle time ends the attempt: no crash record") {
    PatchManagerFixture f({Environment::Kind::vm, "kvm"}, kLongSettle);
    REQUIRE(apply_test_bundle(f, f.patches).ok);
    REQUIRE(f.patches.rollback(kId).ok);
    CHECK(f.store.attempt_ids().empty());
    CHECK(boot_again(f).crash_records().empty());
  }
}

TEST_CASE("crash guard: a kernel bug during the settle time rolls the patch back") {
  PatchManagerFixture f({Environment::Kind::vm, "kvm"}, kLongSettle);
  REQUIRE(apply_test_bundle(f, f.patches).ok);
  SECTION("the livepatch load's own taint (K, O, E) is no bug") {
    f.kernel.set_taint(kLivepatchTaintBits);
    CHECK(f.patches.poll_settling().empty());
    CHECK(f.kernel.loaded);
  }
  std::string expected;
  SECTION("taint D (an oops) appears") {
    f.kernel.set_taint(kLivepatchTaintBits | (1u << 7));
    expected = "the kernel became tainted D";
  }
  SECTION("taint W (a WARNING) appears") {
    f.kernel.set_taint(1u << 9);
    expected = "the kernel became tainted W";
  }
  SECTION("an oops is logged") {
    f.kernel.log_kernel("BUG: kernel NULL pointer dereference, address: 0000000000000000");
    expected = "the kernel logged: BUG: kernel NULL pointer dereference";
  }
  SECTION("a WARNING is logged") {
    f.kernel.log_kernel("WARNING: CPU: 0 PID: 77 at kernel/livepatch/core.c:1 klp_x+0x1/0x2");
    expected = "the kernel logged: WARNING: CPU: 0 PID: 77";
  }
  if (expected.empty()) return;
  auto concluded = f.patches.poll_settling();
  REQUIRE(concluded.size() == 1);
  INFO(concluded[0].message);
  CHECK(concluded[0].code == errc::kKernelBugDetected);
  CHECK(concluded[0].message.find(expected) != std::string::npos);
  CHECK(concluded[0].message.find("rolled back") != std::string::npos);
  CHECK_FALSE(f.kernel.loaded);
  CHECK(f.store.applied_ids().empty());  // out of the boot-time set
  auto records = f.patches.crash_records();
  REQUIRE(records.size() == 1);
  CHECK(records[0].code == errc::kKernelBugDetected);
  // Blocked in this boot and the next.
  CHECK(apply_test_bundle(f, f.patches).code == errc::kKernelBugDetected);
  CHECK(boot_again(f).crash_records().at(0).code == errc::kKernelBugDetected);
}

TEST_CASE("crash guard: an agent stopped during the settle time is no crash, a power loss is") {
  PatchManagerFixture f({Environment::Kind::vm, "kvm"}, kLongSettle);
  REQUIRE(apply_test_bundle(f, f.patches).ok);
  SECTION("stopped with the kernel healthy, then a clean reboot: re-applied at boot") {
    auto ended = f.patches.end_settling_at_stop();
    REQUIRE(ended.size() == 1);
    CHECK(ended[0].code == errc::kEndedByAgentStop);
    CHECK((*ended[0].state)["bundle_id"] == kId);
    CHECK_FALSE(f.patches.next_settle_check());
    auto record = f.store.read_attempt(kId);
    REQUIRE(record);
    REQUIRE(*record);
    CHECK((*record)->code == errc::kEndedByAgentStop);  // durable before the agent exits
    CHECK(f.log_pipe.read_all().find("hs-test-0001 stopped settling") != std::string::npos);

    PatchManager rebooted = boot_again(f, kLongSettle);
    CHECK(rebooted.crash_records().empty());
    CHECK(rebooted.apply_stored() == 1);
    CHECK(f.kernel.loaded);
    // A new attempt, in this boot, watched again: a crash now would block it.
    auto again = f.store.read_attempt(kId);
    REQUIRE(again);
    REQUIRE(*again);
    CHECK((*again)->code.empty());
    CHECK((*again)->boot_id != (*record)->boot_id);
    CHECK(rebooted.next_settle_check());
    CHECK(boot_again(f).crash_records().at(0).code == errc::kCrashedLastTime);
  }
  SECTION("stopped, started again in the same boot, then a power loss: blocked") {
    (void)f.patches.end_settling_at_stop();
    PatchManager restarted(f.dir.path(), kRunning, {Environment::Kind::vm, "kvm"}, f.keys, f.store,
                           f.kernel, f.log, kLongSettle);
    CHECK(restarted.apply_stored() == 1);  // still live: finished, and settling again
    CHECK(restarted.next_settle_check());
    auto record = f.store.read_attempt(kId);
    REQUIRE(record);
    REQUIRE(*record);
    CHECK((*record)->code.empty());
    auto records = boot_again(f).crash_records();
    REQUIRE(records.size() == 1);
    CHECK(records[0].code == errc::kCrashedLastTime);
  }
  SECTION("a bug seen at the stop concludes as kernel_bug_detected") {
    f.kernel.log_kernel("Oops: 0002 [#1] PREEMPT SMP NOPTI");
    auto ended = f.patches.end_settling_at_stop();
    REQUIRE(ended.size() == 1);
    CHECK(ended[0].code == errc::kKernelBugDetected);
    CHECK_FALSE(f.kernel.loaded);
    CHECK(boot_again(f).crash_records().at(0).code == errc::kKernelBugDetected);
  }
  SECTION("a power loss without a stop still blocks (the record was never ended)") {
    auto records = boot_again(f).crash_records();
    REQUIRE(records.size() == 1);
    CHECK(records[0].code == errc::kCrashedLastTime);
  }
}

TEST_CASE("crash guard: bad records and missing facts are clear errors, never a crash") {
  SECTION("a corrupt attempt record blocks the bundle with attempt_record_invalid") {
    PatchManagerFixture f({Environment::Kind::vm, "kvm"}, kNoSettle);
    REQUIRE(f.store.save_applied(kId, make_bundle(compile_module(f.dir, true), f.key)));
    f.dir.write("state/attempts/hs-test-0001.json", "{\"bundle_id\": \"hs-test-0001\", \"boot");
    PatchManager started = boot_again(f);
    CHECK(started.apply_stored() == 0);
    CHECK_FALSE(f.kernel.loaded);
    auto records = started.crash_records();
    REQUIRE(records.size() == 1);
    CHECK(records[0] == protocol::CrashRecord{kId, "", 0, errc::kAttemptRecordInvalid});
    CHECK(f.log_pipe.read_all().find("attempt_record_invalid") != std::string::npos);
    REQUIRE(started.clear_crash_record(kId));
    CHECK(started.crash_records().empty());
  }
  SECTION("a record naming another bundle is invalid too") {
    PatchManagerFixture f;
    f.dir.write("state/attempts/hs-test-0001.json",
                "{\"bundle_id\": \"hs-other\", \"boot_id\": \"x\", \"started_at\": 1}");
    auto read = f.store.read_attempt(kId);
    REQUIRE_FALSE(read);
    CHECK(read.error().code() == errc::kAttemptRecordInvalid);
    CHECK(read.error().message().find("names bundle hs-other") != std::string::npos);
  }
  SECTION("without a boot id nothing is loaded") {
    PatchManagerFixture f;
    std::filesystem::remove(f.dir / "proc/sys/kernel/random/boot_id");
    PatchManager no_boot_id(f.dir.path(), kRunning, {Environment::Kind::vm, "kvm"}, f.keys, f.store,
                            f.kernel, f.log, kNoSettle);
    Outcome outcome = apply_test_bundle(f, no_boot_id);
    CHECK(outcome.code == errc::kBootIdUnreadable);
    CHECK_FALSE(f.kernel.loaded);
    CHECK(f.store.applied_ids().empty());
  }
  SECTION("a malformed taint mask is an error naming the file") {
    TempDir root;
    root.write("proc/sys/kernel/tainted", "12x\n");
    auto taint = read_taint(root.path());
    REQUIRE_FALSE(taint);
    CHECK(taint.error().code() == errc::kTaintUnreadable);
    root.write("proc/sys/kernel/tainted", "4096\n");
    CHECK(read_taint(root.path()).value() == 4096);
  }
}

TEST_CASE("crash guard: kernel log lines that report bugs, and ones that do not") {
  CHECK(find_kernel_bug_line("6,1,2,-;livepatch: enabling patch 'x'\n4,2,3,-;kernel BUG at "
                             "mm/slub.c:42!\n") == std::optional<std::string>("kernel BUG at "
                                                                              "mm/slub.c:42!"));
  CHECK(find_kernel_bug_line("6,1,2,-;livepatch: 'x': patching complete\n") == std::nullopt);
  CHECK(find_kernel_bug_line("6,1,2,-;watchdog: BUG: soft lockup - CPU#0 stuck for 22s!") ==
        std::optional<std::string>("watchdog: BUG: soft lockup - CPU#0 stuck for 22s!"));
}
