// Issue 6, first proof: a patch built by hotsplice-build from a diff of a test module's
// source goes live in a guest. The target (modules/hotsplice_target) has a static local
// counter, a non-exported static helper, calls to exported kernel functions, string
// literals and jump tables; the patched function must keep using the running module's
// counter and helper, and disabling the patch must bring the old behaviour back.
#include <catch2/catch.hpp>

#include "core/base/file_io.h"
#include "core/bundle/bundle_file.h"
#include "core/bundle/bundle_verifier.h"
#include "core/bundle/trusted_keys.h"
#include "core/crypto/ed25519.h"
#include "tests/support/temp_dir.h"
#include "tests/vm/harness/guest_kernel.h"
#include "tests/vm/harness/kernel_module_build.h"
#include "tests/vm/harness/qemu_guest.h"
#include "tests/vm/live_patch_support.h"
#include "tests/vm/require_ok.h"

using namespace hotsplice::vm;

namespace {

constexpr const char* kTarget = "hotsplice_target";
constexpr const char* kPatch = "hotsplice_target_v2";

int dmesg_count(GuestShell& shell, const std::string& text) {
  const auto result = require_ok(shell.run("dmesg | grep -c -F '" + text + "'"));
  return std::atoi(result.out.c_str());
}

std::string read_target(GuestShell& shell) {
  return require_ok(shell.check_output("cat /proc/hotsplice_target"));
}

}  // namespace

TEST_CASE("a patch built from a diff of a module's source goes live and comes off again",
          "[vm][livepatch]") {
  const std::string release = test_kernel_releases().at(0);
  hotsplice::testing::TempDir dir;
  const auto before_source = dir / "before-src";
  std::filesystem::copy(test_module_source(kTarget), before_source);
  const auto after_source = patched_copy(test_module_source(kTarget),
                                         test_patch("hotsplice_target-v2.diff"), dir / "after-src");
  const auto target_ko =
      require_ok(build_kernel_module(before_source, kTarget, release, dir / "before"));
  require_ok(build_kernel_module(after_source, kTarget, release, dir / "after"));
  const auto key = require_ok(hotsplice::Ed25519PrivateKey::generate());
  const auto key_file = dir.write("key.pem", key.to_pem());
  const auto bundle_file = dir / "patch.hsb";
  run_hotsplice_build({"patch",
                       "--before",
                       (dir / "before" / "hotsplice_target.o").string(),
                       "--after",
                       (dir / "after" / "hotsplice_target.o").string(),
                       "--binary",
                       kTarget,
                       "--target-module",
                       target_ko.string(),
                       "--name",
                       kPatch,
                       "--release",
                       release,
                       "--output",
                       (dir / "patch").string(),
                       "--bundle",
                       bundle_file.string(),
                       "--key",
                       key_file.string(),
                       "--id",
                       "hotsplice-target-v2",
                       "--description",
                       "test target, version 2",
                       "--cve",
                       "CVE-2026-0001,CVE-2026-0002",
                       "--hooks",
                       test_patch("hotsplice_target-hooks.c").string()});
  const auto patch_ko = dir / "patch" / "module" / (std::string(kPatch) + ".ko");

  // The bundle carries the module and says what it is for.
  hotsplice::TrustedKeys keys;
  keys.add(key.public_key());
  const auto bundle = require_ok(
      hotsplice::verify_bundle(require_ok(hotsplice::read_bundle_file(bundle_file)), keys));
  CHECK(bundle.module == require_ok(hotsplice::read_file(patch_ko, 16 << 20)));
  CHECK(bundle.manifest.id == "hotsplice-target-v2");
  CHECK(bundle.manifest.target.release == release);
  CHECK(!bundle.manifest.target.build_id.empty());
  CHECK(bundle.manifest.module.name == kPatch);
  CHECK(bundle.manifest.cves == std::vector<std::string>{"CVE-2026-0001", "CVE-2026-0002"});
  REQUIRE(bundle.manifest.replaces.size() == 1);
  CHECK(bundle.manifest.replaces[0].object == kTarget);
  CHECK(bundle.manifest.replaces[0].functions == std::vector<std::string>{"target_show"});

  GuestImage image = require_ok(build_guest_image(GuestImageSpec(release)));
  QemuGuest guest = require_ok(QemuGuest::start(QemuGuestOptions(image, dir / "guest")));
  GuestShell& shell = guest.shell();
  require_ok(
      shell.write_file("/tmp/target.ko", require_ok(hotsplice::read_file(target_ko, 16 << 20))));
  require_ok(shell.check_output("insmod /tmp/target.ko"));
  read_target(shell);
  const std::string unpatched = read_target(shell);
  CHECK(unpatched.starts_with("version=v1 calls=2 scaled=44\n"));
  CHECK(unpatched.find("kind=two 2") != std::string::npos);

  load_live_patch(shell, patch_ko, kPatch);
  const std::string patched = read_target(shell);
  INFO(patched);
  // New code, the running module's counter (3, not 1) and helper (3*2+40).
  CHECK(patched.starts_with("version=v2-patched calls=3 scaled=46\n"));
  CHECK(patched.find("patched=three\n") != std::string::npos);
  CHECK(patched.find("kind=three\n") != std::string::npos);
  const std::string again = read_target(shell);
  CHECK(again.find("patched=four 16\n") != std::string::npos);

  // The author's hooks ran around the transition, with their shadow variable.
  CHECK(dmesg_count(shell, "hotsplice-test-hook: pre-patch hotsplice_target") == 1);
  CHECK(dmesg_count(shell, "hotsplice-test-hook: post-patch shadow=42") == 1);

  unload_live_patch(shell, kPatch);
  CHECK(dmesg_count(shell, "hotsplice-test-hook: post-unpatch") == 1);
  const std::string restored = read_target(shell);
  CHECK(restored.starts_with("version=v1 calls=5 scaled=50\n"));
  CHECK(restored.find("patched=") == std::string::npos);
  require_ok(shell.check_output(std::string("rmmod ") + kTarget));

  // A patch enabled before its target module arrives patches the module as it loads
  // (livepatch relocations and the run-pre check run at module load).
  load_live_patch(shell, patch_ko, kPatch);
  require_ok(shell.check_output("insmod /tmp/target.ko"));
  CHECK(read_target(shell).starts_with("version=v2-patched calls=1 scaled=42\n"));
  unload_live_patch(shell, kPatch);
  CHECK(read_target(shell).starts_with("version=v1 calls=2 scaled=44\n"));
  require_ok(shell.check_output(std::string("rmmod ") + kTarget));
}

TEST_CASE("a patch of one object of a module reaches a non-exported global of another object",
          "[vm][livepatch]") {
  // Field report: module patches failed with symbol_not_found for globals that another
  // object of the same module defines without exporting them. They are in the module's
  // symbol table, so they become livepatch relocations against that module.
  constexpr const char* kPair = "hotsplice_pair";
  constexpr const char* kPairPatch = "hotsplice_pair_v2";
  const std::string release = test_kernel_releases().at(0);
  hotsplice::testing::TempDir dir;
  const auto before_source = dir / "before-src";
  std::filesystem::copy(test_module_source(kPair), before_source);
  const auto after_source = patched_copy(test_module_source(kPair),
                                         test_patch("hotsplice_pair-v2.diff"), dir / "after-src");
  const auto target_ko =
      require_ok(build_kernel_module(before_source, kPair, release, dir / "before"));
  require_ok(build_kernel_module(after_source, kPair, release, dir / "after"));
  const std::string output =
      run_hotsplice_build({"patch", "--before", (dir / "before" / "pair_main.o").string(),
                           "--after", (dir / "after" / "pair_main.o").string(), "--binary", kPair,
                           "--target-module", target_ko.string(), "--name", kPairPatch, "--release",
                           release, "--output", (dir / "patch").string()});
  CHECK(output.find("replaces hotsplice_pair:pair_show,0") != std::string::npos);
  const auto patch_ko = dir / "patch" / "module" / (std::string(kPairPatch) + ".ko");

  GuestImage image = require_ok(build_guest_image(GuestImageSpec(release)));
  QemuGuest guest = require_ok(QemuGuest::start(QemuGuestOptions(image, dir / "guest")));
  GuestShell& shell = guest.shell();
  require_ok(
      shell.write_file("/tmp/pair.ko", require_ok(hotsplice::read_file(target_ko, 16 << 20))));
  require_ok(shell.check_output("insmod /tmp/pair.ko"));
  CHECK(require_ok(shell.check_output("cat /proc/hotsplice_pair")) == "pair=v1 answer=4 calls=1\n");
  load_live_patch(shell, patch_ko, kPairPatch);
  // The running module's helper and counter: calls 2 and 3 of pair_helper.
  CHECK(require_ok(shell.check_output("cat /proc/hotsplice_pair")) ==
        "pair=v2-patched answer=5 calls=3 second=9\n");
  unload_live_patch(shell, kPairPatch);
  CHECK(require_ok(shell.check_output("cat /proc/hotsplice_pair")) == "pair=v1 answer=7 calls=4\n");
  require_ok(shell.check_output(std::string("rmmod ") + kPair));
}
