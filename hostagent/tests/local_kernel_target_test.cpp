// hostd's own-kernel path (LocalKernelTarget, SettleWatcher) over a real PatchManager, a
// real ApplyWorker and a real io_context, on core/apply's FakeKernel (a unit test cannot
// load modules; the real kernel is patched through hostd in tests/vm/node_test.cpp): an
// apply completes with its transition, the settle time runs between other jobs, a bug
// during it becomes a crash record in the next hello, a record from a crashed boot blocks
// the bundle until an operator's apply, and hostd's stop ends a settle time cleanly.
#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <optional>
#include <thread>

#include "core/apply/error_codes.h"
#include "core/apply/tests/patch_manager_fixture.h"
#include "hostagent/local_kernel_target.h"
#include "hostagent/settle_watcher.h"

namespace hotsplice::hostd {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using testing::kRunning;
using testing::PatchManagerFixture;

constexpr const char* kId = "hs-test-0001";  // the id make_bundle writes
const platform::Environment kBareMetal{platform::Environment::Kind::bare_metal, ""};
const apply::PatchTimeouts kLongSettle{200ms, 100ms, 60s};

// What HostKernel puts together, over a given PatchManager (the fake kernel's).
class HostKernelParts {
 public:
  HostKernelParts(apply::PatchManager& manager, const apply::StateStore& store)
      : worker_([this](std::function<void()> f) { asio::post(io_, std::move(f)); }),
        settle_(io_, manager, worker_),
        target_(io_, manager, store, worker_, settle_) {
    settle_.on_kernel_bug([this] { ++kernel_bugs; });
  }

  // Runs hostd's loop until done() holds (false after 20 s: the caller's check fails).
  template <typename Predicate>
  bool run_until(Predicate done) {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      if (io_.run_for(10ms) == 0) std::this_thread::sleep_for(1ms);  // the worker's turn
    }
    return done();
  }
  Status apply(const std::string& bundle_bytes, bool clearing_crash_record = false) {
    std::optional<Status> sent, applied;
    target_.send_bundle(kId, std::make_shared<const std::string>(bundle_bytes),
                        [&](Status s) { sent = std::move(s); });
    REQUIRE(run_until([&] { return sent.has_value(); }));
    REQUIRE(*sent);
    auto done = [&](Status s) { applied = std::move(s); };
    if (clearing_crash_record) {
      target_.apply_clearing_crash_record(kId, done);
    } else {
      target_.apply(kId, done);
    }
    REQUIRE(run_until([&] { return applied.has_value(); }));
    return *applied;
  }
  TargetHello hello() {
    std::optional<Expected<TargetHello>> answer;
    target_.handshake([&](Expected<TargetHello> h) { answer = std::move(h); });
    REQUIRE(run_until([&] { return answer.has_value(); }));
    REQUIRE(*answer);
    return **answer;
  }
  SettleWatcher& settle() { return settle_; }

  int kernel_bugs = 0;

 private:
  asio::io_context io_;
  apply::ApplyWorker worker_;  // destroyed before the io_context it posts to
  SettleWatcher settle_;
  LocalKernelTarget target_;
};

std::string test_bundle(PatchManagerFixture& f) {
  return testing::make_bundle(testing::compile_module(f.dir, true), f.key);
}

std::optional<protocol::CrashRecord> attempt_of(const PatchManagerFixture& f) {
  auto record = f.store.read_attempt(kId);
  REQUIRE(record);
  return *record;
}

}  // namespace

TEST_CASE("host kernel target: an apply completes with its transition and settles off the worker") {
  PatchManagerFixture f(kBareMetal, kLongSettle);
  HostKernelParts host(f.patches, f.store);
  Status applied = host.apply(test_bundle(f));
  INFO((applied ? std::string() : applied.error().message()));
  REQUIRE(applied);
  CHECK(f.kernel.loaded);
  // Settling (60 s) while the worker answers other jobs: the hello comes at once.
  CHECK(host.settle().watching());
  REQUIRE(attempt_of(f));
  TargetHello during = host.hello();
  REQUIRE(during.applied.size() == 1);
  CHECK(during.applied[0].id == kId);
  CHECK(during.crash_records.empty());
  CHECK(host.settle().watching());

  // The kernel oopses while the patch is new: rolled back, and the next hello says why.
  f.kernel.log_kernel("Oops: 0002 [#1] PREEMPT SMP NOPTI");
  REQUIRE(host.run_until([&] { return host.kernel_bugs == 1; }));
  CHECK_FALSE(f.kernel.loaded);
  CHECK_FALSE(host.settle().watching());
  TargetHello after = host.hello();
  for (const auto& patch : after.applied)
    UNSCOPED_INFO("still listed: " << patch.id << " module " << patch.module << " enabled "
                                   << patch.enabled << " transition " << patch.transition
                                   << " unloads " << f.kernel.unloads.load());
  CHECK(after.applied.empty());
  REQUIRE(after.crash_records.size() == 1);
  CHECK(after.crash_records[0].bundle_id == kId);
  CHECK(after.crash_records[0].code == apply::errc::kKernelBugDetected);
  // Not applied again unless an operator asks.
  Status again = host.apply(test_bundle(f));
  REQUIRE_FALSE(again);
  CHECK(again.error().code() == apply::errc::kKernelBugDetected);
  CHECK_FALSE(f.kernel.loaded);
  REQUIRE(host.apply(test_bundle(f), /*clearing_crash_record=*/true));
  CHECK(f.kernel.loaded);
  CHECK(host.hello().crash_records.empty());
}

TEST_CASE("host kernel target: a healthy settle time clears the attempt record and stops") {
  PatchManagerFixture f(kBareMetal, {200ms, 100ms, 300ms});
  HostKernelParts host(f.patches, f.store);
  REQUIRE(host.apply(test_bundle(f)));
  REQUIRE(host.run_until([&] { return !host.settle().watching(); }));
  CHECK_FALSE(attempt_of(f));
  CHECK(host.kernel_bugs == 0);
  CHECK(f.kernel.loaded);
}

TEST_CASE(
    "host kernel target: a bundle that crashed the last boot is reported, applied only cleared") {
  PatchManagerFixture f(kBareMetal, kLongSettle);
  {
    HostKernelParts host(f.patches, f.store);
    REQUIRE(host.apply(test_bundle(f)));
  }
  // The kernel dies during the settle time; hostd starts again in the next boot.
  f.kernel.lose_power();
  f.kernel.reboot();
  apply::PatchManager rebooted(f.dir.path(), kRunning, kBareMetal, f.keys, f.store, f.kernel, f.log,
                               kLongSettle);
  CHECK(rebooted.apply_stored() == 0);
  HostKernelParts host(rebooted, f.store);
  TargetHello hello = host.hello();
  CHECK(hello.applied.empty());
  REQUIRE(hello.crash_records.size() == 1);
  CHECK(hello.crash_records[0].bundle_id == kId);
  CHECK(hello.crash_records[0].code == apply::errc::kCrashedLastTime);
  Status refused = host.apply(test_bundle(f));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == apply::errc::kCrashedLastTime);
  CHECK_FALSE(f.kernel.loaded);
  REQUIRE(host.apply(test_bundle(f), /*clearing_crash_record=*/true));
  CHECK(f.kernel.loaded);
  CHECK(host.hello().crash_records.empty());
}

TEST_CASE("host kernel target: hostd's stop during the settle time ends the attempt cleanly") {
  PatchManagerFixture f(kBareMetal, kLongSettle);
  HostKernelParts host(f.patches, f.store);
  REQUIRE(host.apply(test_bundle(f)));
  REQUIRE(host.settle().watching());
  host.settle().end_at_stop();
  CHECK_FALSE(host.settle().watching());
  auto record = attempt_of(f);
  REQUIRE(record);
  CHECK(record->code == apply::errc::kEndedByAgentStop);
  // A clean reboot now: the next boot re-applies it, nothing is reported.
  f.kernel.lose_power();
  f.kernel.reboot();
  apply::PatchManager rebooted(f.dir.path(), kRunning, kBareMetal, f.keys, f.store, f.kernel, f.log,
                               kLongSettle);
  CHECK(rebooted.crash_records().empty());
  CHECK(rebooted.apply_stored() == 1);
}

}  // namespace hotsplice::hostd
