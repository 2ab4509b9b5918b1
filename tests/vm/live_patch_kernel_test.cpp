// Issue 6 on the real kernel: patches built by `hotsplice-build kernel --release R` (the
// exact source, config and symbol positions of that Debian kernel, found and downloaded by
// hotsplice-build; symbols decoded from the image, no guest needed) go live in a guest
// running the matching kernel and change what it shows (/proc/cmdline, /proc/meminfo with a
// new static variable and a call to the existing static show_val_kb, and a function of the
// null_blk module); a cumulative second patch atomically replaces the first; the run-pre
// check refuses a patch built from the older kernel's own source on the newer kernel, and
// accepts one whose functions are byte-identical in both test kernels on both; a patch for
// Debian's 6.12 (another series: other special-table layouts, zstd image, IBT) is built from
// its exact source and goes live. Build times are printed.
#include <catch2/catch.hpp>

#include <chrono>
#include <iostream>

#include "core/base/file_io.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"
#include "tests/vm/harness/guest_kernel.h"
#include "tests/vm/harness/qemu_guest.h"
#include "tests/vm/live_patch_support.h"
#include "tests/vm/require_ok.h"

using namespace hotsplice::vm;
namespace fs = std::filesystem;

namespace {

GuestImageSpec spec_with_null_blk(const std::string& release) {
  GuestImageSpec spec(release);
  spec.modules.push_back("null_blk");
  return spec;
}

// A fix of prctl_set_auxv (kernel/sys.c), whose code differs between
// the two 6.1 test kernels (6.1.187 and 6.1.192: see the diff's header).
constexpr const char* kRunPreDiff = "run-pre-other-source.diff";
constexpr const char* kRunPreObject = "kernel/sys.o";
constexpr const char* kRunPreFunction = "prctl_set_auxv";

const char* kNullbFeatures =
    "mount -t configfs none /sys/kernel/config 2>/dev/null; "
    "cat /sys/kernel/config/nullb/features";

}  // namespace

TEST_CASE("kernel patches go live (cmdline, meminfo, null_blk) and a cumulative v2 replaces v1",
          "[vm][livepatch][kernel]") {
  const std::string release = test_kernel_releases().at(0);
  hotsplice::testing::TempDir dir;
  GuestImage image = require_ok(build_guest_image(spec_with_null_blk(release)));
  QemuGuest guest = require_ok(QemuGuest::start(QemuGuestOptions(image, dir / "guest")));
  GuestShell& shell = guest.shell();
  const std::string cmdline = require_ok(shell.check_output("cat /proc/cmdline"));
  REQUIRE(require_ok(shell.check_output("grep -c HotspliceReads /proc/meminfo || true")) == "0\n");
  const std::string features = require_ok(shell.check_output(kNullbFeatures));
  REQUIRE(features.starts_with("badblocks,"));

  const fs::path v1 =
      build_kernel_patch("kernel-v1.diff", "hotsplice_kernel_v1", release, dir / "v1");
  check_image_symbols_against_guest(release, shell);
  load_live_patch(shell, v1, "hotsplice_kernel_v1");
  CHECK(require_ok(shell.check_output("cat /proc/cmdline")) == "hotsplice " + cmdline);
  CHECK(require_ok(shell.check_output("grep HotspliceReads /proc/meminfo")) ==
        "HotspliceReads:        4 kB\n");
  // The new static variable lives in the patch and keeps counting (4 kB per read).
  CHECK(require_ok(shell.check_output("grep HotspliceReads /proc/meminfo")) ==
        "HotspliceReads:        8 kB\n");
  CHECK(require_ok(shell.check_output("grep -c MemTotal /proc/meminfo")) == "1\n");
  CHECK(require_ok(shell.check_output(kNullbFeatures)) == "hotsplice," + features);

  const fs::path v2 =
      build_kernel_patch("kernel-v2.diff", "hotsplice_kernel_v2", release, dir / "v2");
  load_live_patch(shell, v2, "hotsplice_kernel_v2");
  // Atomic replace: v1 is no longer a live patch once v2's transition completed.
  require_ok(
      shell.check_output(wait_in_guest("[ ! -e /sys/kernel/livepatch/hotsplice_kernel_v1 ]")));
  CHECK(require_ok(shell.check_output("cat /proc/cmdline")) == "hotsplice-v2 " + cmdline);
  // v2's own counter: the first read since v2 went live.
  CHECK(require_ok(shell.check_output("grep HotspliceV2 /proc/meminfo")) ==
        "HotspliceV2:           4 kB\n");
  CHECK(require_ok(shell.check_output("grep -c HotspliceReads /proc/meminfo || true")) == "0\n");
  CHECK(require_ok(shell.check_output(kNullbFeatures)) == "hotsplice-v2," + features);
  require_ok(shell.check_output("rmmod hotsplice_kernel_v1"));

  unload_live_patch(shell, "hotsplice_kernel_v2");
  CHECK(require_ok(shell.check_output("cat /proc/cmdline")) == cmdline);
  CHECK(require_ok(shell.check_output(kNullbFeatures)) == features);
  CHECK(require_ok(shell.check_output("grep -c Hotsplice /proc/meminfo || true")) == "0\n");
}

TEST_CASE("the run-pre check refuses a patch built from other code, accepts identical code",
          "[vm][livepatch][kernel]") {
  const std::string newer = test_kernel_releases().at(0);
  const std::string older = test_kernel_releases().at(1);
  hotsplice::testing::TempDir dir;
  GuestImage newer_image = require_ok(build_guest_image(GuestImageSpec(newer)));
  QemuGuest guest = require_ok(QemuGuest::start(QemuGuestOptions(newer_image, dir / "guest")));
  GuestShell& shell = guest.shell();
  const std::string cmdline = require_ok(shell.check_output("cat /proc/cmdline"));

  // Built from the older kernel's own source (its exact linux-source build), linked for
  // the newer kernel: the prctl code changed between the two, so the patch's before build
  // is not what the newer kernel runs.
  build_kernel_patch(kRunPreDiff, "hotsplice_other_source", older, dir / "older-source");
  const fs::path object = fs::path(kRunPreObject);
  run_hotsplice_build({"patch", "--before", (dir / "older-source" / "before" / object).string(),
                       "--after", (dir / "older-source" / "after" / object).string(), "--binary",
                       "vmlinux", "--name", "hotsplice_mismatch", "--release", newer, "--kallsyms",
                       image_kallsyms(newer).string(), "--output", (dir / "mismatch").string()});
  const fs::path mismatched = dir / "mismatch" / "module" / "hotsplice_mismatch.ko";
  require_ok(
      shell.write_file("/tmp/mismatch.ko", require_ok(hotsplice::read_file(mismatched, 16 << 20))));
  const auto refused = require_ok(shell.run("insmod /tmp/mismatch.ko"));
  CHECK(refused.exit_code != 0);
  const std::string log = require_ok(shell.check_output("dmesg"));
  INFO(log);
  CHECK(log.find(std::string("run-pre check failed: ") + kRunPreFunction + " differs") !=
        std::string::npos);
  CHECK(require_ok(shell.run("[ -e /sys/kernel/livepatch/hotsplice_mismatch ]")).exit_code != 0);

  // The same fix built from the newer kernel's own source goes live on it...
  const fs::path own = build_kernel_patch(kRunPreDiff, "hotsplice_own_source", newer, dir / "own");
  load_live_patch(shell, own, "hotsplice_own_source");
  unload_live_patch(shell, "hotsplice_own_source");

  // ...and cmdline_proc_show, the same code in both kernels, built from the newer source
  // and linked against the older kernel's headers, goes live on the older kernel.
  const fs::path good =
      build_kernel_patch("cmdline-only.diff", "hotsplice_cmdline", newer, dir / "good");
  load_live_patch(shell, good, "hotsplice_cmdline");
  CHECK(require_ok(shell.check_output("cat /proc/cmdline")) == "hotsplice " + cmdline);
  unload_live_patch(shell, "hotsplice_cmdline");
  GuestImage older_image = require_ok(build_guest_image(GuestImageSpec(older)));
  QemuGuest older_guest =
      require_ok(QemuGuest::start(QemuGuestOptions(older_image, dir / "older")));
  GuestShell& older_shell = older_guest.shell();
  run_hotsplice_build({"patch", "--before",
                       (dir / "good" / "before" / "fs/proc/cmdline.o").string(), "--after",
                       (dir / "good" / "after" / "fs/proc/cmdline.o").string(), "--binary",
                       "vmlinux", "--name", "hotsplice_cmdline", "--release", older, "--kallsyms",
                       image_kallsyms(older).string(), "--output", (dir / "older-patch").string()});
  const std::string older_cmdline = require_ok(older_shell.check_output("cat /proc/cmdline"));
  load_live_patch(older_shell, dir / "older-patch" / "module" / "hotsplice_cmdline.ko",
                  "hotsplice_cmdline");
  CHECK(require_ok(older_shell.check_output("cat /proc/cmdline")) == "hotsplice " + older_cmdline);
  CHECK(require_ok(older_shell.check_output("dmesg")).find("run-pre check passed") !=
        std::string::npos);
}

// 6.12 (CONFIG_X86_KERNEL_IBT: objtool runs on vmlinux.o, so objects list none of the sites
// boot rewrites) rewrites `jmp __x86_return_thunk` (e9) to `ret; int3...` (c3 cc..) at boot on
// CPUs without retbleed: the run-pre check accepts exactly that form at those jmps (found
// from their branch target, as objtool finds them), and the patch goes live.
TEST_CASE(
    "a 6.12 patch built from its exact source passes the run-pre check where boot rewrote "
    "return thunks, goes live and unloads",
    "[vm][livepatch][kernel]") {
  const std::string release = test_kernel_releases().at(2);
  REQUIRE(release.starts_with("6.12."));
  hotsplice::testing::TempDir dir;
  GuestImage image = require_ok(build_guest_image(GuestImageSpec(release)));
  QemuGuest guest = require_ok(QemuGuest::start(QemuGuestOptions(image, dir / "guest")));
  GuestShell& shell = guest.shell();
  const std::string cmdline = require_ok(shell.check_output("cat /proc/cmdline"));
  const fs::path patch =
      build_kernel_patch("cmdline-only.diff", "hotsplice_cmdline_612", release, dir / "612");
  check_image_symbols_against_guest(release, shell);
  load_live_patch(shell, patch, "hotsplice_cmdline_612");
  CHECK(require_ok(shell.check_output("cat /proc/cmdline")) == "hotsplice " + cmdline);
  const std::string log = require_ok(shell.check_output("dmesg"));
  INFO(log);
  CHECK(log.find("run-pre check passed for vmlinux") != std::string::npos);
  CHECK(log.find("run-pre check failed") == std::string::npos);
  // objtool ran on the linked patch module (6.12 delays it to link time) and listed its
  // return sites, so boot-time rewriting reached the module's code too: no warning.
  CHECK(log.find("Unpatched return thunk") == std::string::npos);
  CHECK(log.find("WARNING:") == std::string::npos);
  unload_live_patch(shell, "hotsplice_cmdline_612");
  CHECK(require_ok(shell.check_output("cat /proc/cmdline")) == cmdline);
}

TEST_CASE("a fix spanning two files of vmlinux, with a new function called across them",
          "[vm][livepatch][kernel]") {
  // kernel-two-files.diff is a plain `diff -ru linux-6.1.orig linux-6.1` (not git's a/ b/):
  // cmdline.c gains a new global function that meminfo.c calls. The call must resolve to
  // the patch's own copy, not to a symbol of the running kernel (which has none).
  const std::string release = test_kernel_releases().at(0);
  hotsplice::testing::TempDir dir;
  GuestImage image = require_ok(build_guest_image(GuestImageSpec(release)));
  QemuGuest guest = require_ok(QemuGuest::start(QemuGuestOptions(image, dir / "guest")));
  GuestShell& shell = guest.shell();
  const std::string cmdline = require_ok(shell.check_output("cat /proc/cmdline"));

  const fs::path patch =
      build_kernel_patch("kernel-two-files.diff", "hotsplice_two_files", release, dir / "two");
  load_live_patch(shell, patch, "hotsplice_two_files");
  CHECK(require_ok(shell.check_output("cat /proc/cmdline")) ==
        "hotsplice-note(cmdline) " + cmdline);
  CHECK(require_ok(shell.check_output("grep -c '^hotsplice-note(meminfo) $' /proc/meminfo")) ==
        "1\n");
  unload_live_patch(shell, "hotsplice_two_files");
  CHECK(require_ok(shell.check_output("cat /proc/cmdline")) == cmdline);
  CHECK(require_ok(shell.check_output("grep -c hotsplice-note /proc/meminfo || true")) == "0\n");
}
