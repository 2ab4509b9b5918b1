// PatchManager on its own (the same code guestd runs for its VM and hostd for the node's
// kernel), with the fake kernel of fake_kernel.h: the real kernel is in tests/vm. The log
// goes to a pipe so the structured lines can be checked.
#include <catch2/catch.hpp>

#include <deque>
#include <mutex>

#include "core/apply/apply_worker.h"
#include "core/apply/error_codes.h"
#include "core/apply/tests/patch_manager_fixture.h"
#include "core/platform/error_codes.h"
#include "tests/support/captured_fd.h"

using namespace hotsplice;
using namespace hotsplice::apply;
using namespace hotsplice::protocol;
using namespace hotsplice::testing;
using namespace std::chrono_literals;
using Fixture = PatchManagerFixture;

TEST_CASE("patch manager: apply and rollback, logged with fields") {
  Fixture f;
  auto file = f.bundle_file(make_bundle(compile_module(f.dir, true), f.key));
  Outcome applied = f.patches.apply_bundle_file("hs-test-0001", file);
  INFO(applied.message);
  REQUIRE(applied.ok);
  CHECK((*applied.state)["bundle_id"] == "hs-test-0001");
  CHECK(f.store.applied_ids() == std::vector<std::string>{"hs-test-0001"});
  std::string logged = f.log_pipe.read_all();
  CHECK(logged.find("<6>bundle hs-test-0001 applied: livepatch fake_livepatch enabled "
                    "bundle_id=hs-test-0001 module=fake_livepatch\n") != std::string::npos);

  Outcome rolled = f.patches.rollback("hs-test-0001");
  CHECK(rolled.ok);
  CHECK(f.store.applied_ids().empty());
  CHECK(f.patches.rollback("hs-test-0001").code == apply::errc::kNotApplied);
}

TEST_CASE("patch manager: refusals name their reason and store nothing") {
  SECTION("the manifest names another id") {
    Fixture f;
    auto file = f.bundle_file(make_bundle(compile_module(f.dir, true), f.key));
    CHECK(f.patches.apply_bundle_file("hs-other", file).code == apply::errc::kBundleIdMismatch);
    CHECK(f.store.applied_ids().empty());
  }
  SECTION("inside a shared-kernel container") {
    Fixture f(Environment{Environment::Kind::container, "openvz"});
    auto file = f.bundle_file(make_bundle(compile_module(f.dir, true), f.key));
    CHECK(f.patches.apply_bundle_file("hs-test-0001", file).code ==
          platform::errc::kSharedKernelContainer);
    CHECK_FALSE(f.kernel.loaded);
  }
  SECTION("an environment nobody detected is never taken for a VM") {
    Fixture f(Environment{});
    auto file = f.bundle_file(make_bundle(compile_module(f.dir, true), f.key));
    CHECK(f.patches.apply_bundle_file("hs-test-0001", file).code ==
          platform::errc::kEnvironmentUnknown);
    CHECK_FALSE(f.kernel.loaded);
    CHECK(f.store.applied_ids().empty());
  }
  SECTION("a stalled transition, rolled back") {
    Fixture f;
    f.kernel.stall = true;
    auto file = f.bundle_file(make_bundle(compile_module(f.dir, true), f.key));
    Outcome outcome = f.patches.apply_bundle_file("hs-test-0001", file);
    CHECK(outcome.code == apply::errc::kTransitionStalled);
    CHECK_FALSE(f.kernel.loaded);
    CHECK(f.store.applied_ids().empty());
    CHECK(f.log_pipe.read_all().find("code=transition_stalled") != std::string::npos);
  }
}

TEST_CASE("patch manager on the apply worker: the event loop gets the outcome posted") {
  Fixture f;
  auto file = f.bundle_file(make_bundle(compile_module(f.dir, true), f.key));
  std::mutex mutex;
  std::deque<std::function<void()>> loop;
  ApplyWorker worker([&](std::function<void()> callable) {
    std::lock_guard lock(mutex);
    loop.push_back(std::move(callable));
  });
  std::optional<Outcome> result;
  worker.submit([&] { return f.patches.apply_bundle_file("hs-test-0001", file); },
                [&](Outcome outcome) { result = std::move(outcome); });
  for (int i = 0; i < 1000 && !result; ++i) {
    std::function<void()> next;
    {
      std::lock_guard lock(mutex);
      if (!loop.empty()) {
        next = std::move(loop.front());
        loop.pop_front();
      }
    }
    if (next) {
      next();
    } else {
      std::this_thread::sleep_for(10ms);
    }
  }
  REQUIRE(result);
  CHECK(result->ok);
  CHECK(f.patches.applied_patches().size() == 1);
}

TEST_CASE("patch manager: after a crash mid-apply the stored bundle's transition is finished") {
  Fixture f;
  std::string bundle = make_bundle(compile_module(f.dir, true), f.key);
  // What a crash right after finit_module leaves: the bundle stored, the patch loaded and
  // still in transition, no agent.
  REQUIRE(f.store.save_applied("hs-test-0001", bundle));
  REQUIRE(f.kernel.finit_module(-1, "", 0) == 0);
  PatchManager restarted(f.dir.path(), kRunning, {Environment::Kind::vm, "kvm"}, f.keys, f.store,
                         f.kernel, f.log, {2000ms, 100ms});
  CHECK(restarted.apply_stored() == 1);
  auto patches = restarted.applied_patches();
  REQUIRE(patches.size() == 1);
  CHECK(patches[0] == AppliedPatch{"hs-test-0001", kModule, true, false});
}

TEST_CASE("patch manager: stored bundles for another kernel are skipped and kept") {
  Fixture f;
  KernelIdentity other = kRunning;
  other.release = "6.1.0-53-amd64";
  REQUIRE(
      f.store.save_applied("hs-test-0001", make_bundle(compile_module(f.dir, true), f.key, other)));
  CHECK(f.patches.apply_stored() == 0);
  CHECK_FALSE(f.kernel.loaded);
  CHECK(f.store.applied_ids() == std::vector<std::string>{"hs-test-0001"});
  CHECK(f.log_pipe.read_all().find("stored bundle hs-test-0001 skipped: wrong_kernel") !=
        std::string::npos);
}
