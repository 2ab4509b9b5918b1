// Issue 10 on the real kernel: a fix in a module function that uses pr_debug (Debian's
// 6.1 kernels have CONFIG_DYNAMIC_DEBUG, so every pr_debug is a per-site descriptor with
// a static key and a jump label) becomes a live patch and goes live. The diff bounds
// binfmt_misc entry names in create_entry() (which logs every parsed field with pr_debug).
// It also moves the lines below it: the #line directives keep them as they were.
#include <catch2/catch.hpp>

#include "core/base/file_io.h"
#include "tests/support/temp_dir.h"
#include "tests/vm/harness/guest_kernel.h"
#include "tests/vm/harness/qemu_guest.h"
#include "tests/vm/live_patch_support.h"
#include "tests/vm/require_ok.h"

using namespace hotsplice::vm;
namespace fs = std::filesystem;

namespace {

// Registers a binfmt_misc entry by extension; prints the exit status of the write.
std::string register_entry(const std::string& name) {
  return "echo ':" + name + ":E::hsx" + std::to_string(name.size()) +
         "::/bin/true:' > /proc/sys/fs/binfmt_misc/register 2>/dev/null; echo $?";
}

}  // namespace

TEST_CASE("a module function using pr_debug is patched live (binfmt_misc create_entry)",
          "[vm][livepatch][kernel]") {
  const std::string release = test_kernel_releases().at(0);
  hotsplice::testing::TempDir dir;
  GuestImageSpec spec(release);
  spec.modules.push_back("binfmt_misc");
  GuestImage image = require_ok(build_guest_image(spec));
  QemuGuest guest = require_ok(QemuGuest::start(QemuGuestOptions(image, dir / "guest")));
  GuestShell& shell = guest.shell();
  // The image loads binfmt_misc at boot (spec.modules).
  require_ok(shell.check_output("mount -t binfmt_misc none /proc/sys/fs/binfmt_misc"));
  const std::string long_name(70, 'a');
  // Unpatched: a 70-character name is accepted.
  CHECK(require_ok(shell.check_output(register_entry(long_name))) == "0\n");

  const fs::path patch = build_kernel_patch("binfmt_misc-name-length.diff", "hotsplice_binfmt",
                                            release, dir / "binfmt");
  const std::string report =
      require_ok(hotsplice::read_file(dir / "binfmt" / "report.txt", 1 << 20));
  INFO(report);
  CHECK(report.find("REFUSED") == std::string::npos);
  load_live_patch(shell, patch, "hotsplice_binfmt");
  // Patched: longer names are refused, short ones still work, and the patched code's
  // pr_debug sites work: enabled by function, the running (patched) code prints.
  CHECK(require_ok(shell.check_output(register_entry(long_name + "b"))) != "0\n");
  CHECK(require_ok(shell.check_output(register_entry("short"))) == "0\n");
  CHECK(require_ok(shell.check_output("ls /proc/sys/fs/binfmt_misc/ | grep -c short")) == "1\n");
  require_ok(
      shell.check_output("mount -t debugfs none /sys/kernel/debug 2>/dev/null; "
                         "echo 'func create_entry +p' > /sys/kernel/debug/dynamic_debug/control"));
  CHECK(require_ok(shell.check_output(register_entry("traced"))) == "0\n");
  CHECK(require_ok(shell.check_output("dmesg | grep -c 'register: name: {traced}'")) == "1\n");

  unload_live_patch(shell, "hotsplice_binfmt");
  CHECK(require_ok(shell.check_output(register_entry(long_name + "c"))) == "0\n");
}
