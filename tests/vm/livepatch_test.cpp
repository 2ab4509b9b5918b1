// Issue 3's proof that the bench reaches a running kernel: a livepatch module built now
// against each test kernel's headers changes /proc/cmdline in a guest, and disabling and
// unloading it brings the original back.
#include <catch2/catch.hpp>

#include "core/base/file_io.h"
#include "tests/support/temp_dir.h"
#include "tests/vm/harness/guest_kernel.h"
#include "tests/vm/harness/kernel_module_build.h"
#include "tests/vm/harness/qemu_guest.h"
#include "tests/vm/require_ok.h"

using namespace hotsplice::vm;

namespace {

constexpr const char* kModule = "hotsplice_test_cmdline";
constexpr const char* kPatchedCmdline = "hotsplice-test-livepatch\n";

// Waits (bounded, inside the guest) until a livepatch transition has finished.
std::string wait_in_guest(const std::string& condition) {
  return "i=0; until " + condition +
         "; do i=$((i+1)); [ $i -gt 200 ] && exit 1; usleep 50000; done";
}

void check_livepatch_round_trip(const std::string& release) {
  INFO("kernel " << release);
  hotsplice::testing::TempDir dir;
  std::filesystem::path module_file = require_ok(build_kernel_module(
      test_module_source("cmdline_livepatch"), kModule, release, dir / "module"));
  std::string module_bytes = require_ok(hotsplice::read_file(module_file, 16 << 20));

  GuestImage image = require_ok(build_guest_image(GuestImageSpec(release)));
  QemuGuest guest = require_ok(QemuGuest::start(QemuGuestOptions(image, dir / "guest")));
  GuestShell& shell = guest.shell();
  const std::string sysfs = std::string("/sys/kernel/livepatch/") + kModule;

  std::string original = require_ok(shell.check_output("cat /proc/cmdline"));
  REQUIRE(original.find("console=ttyS0") != std::string::npos);

  require_ok(shell.write_file("/tmp/module.ko", module_bytes));
  require_ok(shell.check_output("insmod /tmp/module.ko"));
  require_ok(shell.check_output(wait_in_guest("[ \"$(cat " + sysfs + "/transition)\" = 0 ]")));
  CHECK(require_ok(shell.check_output("cat " + sysfs + "/enabled")) == "1\n");
  CHECK(require_ok(shell.check_output("cat /proc/cmdline")) == kPatchedCmdline);

  require_ok(shell.check_output("echo 0 > " + sysfs + "/enabled"));
  // The patch directory goes away once the disabling transition completes.
  require_ok(shell.check_output(wait_in_guest("[ ! -e " + sysfs + " ]")));
  require_ok(shell.check_output(std::string("rmmod ") + kModule));
  CHECK(require_ok(shell.check_output("cat /proc/cmdline")) == original);
  CHECK(require_ok(shell.run(std::string("grep -q '^") + kModule + " ' /proc/modules")).exit_code ==
        1);
}

}  // namespace

TEST_CASE("a livepatch built at test time patches and unpatches the newest test kernel", "[vm]") {
  check_livepatch_round_trip(test_kernel_releases().at(0));
}

TEST_CASE("a livepatch built at test time patches and unpatches the older test kernel", "[vm]") {
  check_livepatch_round_trip(test_kernel_releases().at(1));
}
