// The two halves of hotsplice chained in one guest: a bundle that `hotsplice-build` makes
// from a diff of Debian's linux-source-6.1 (target identity read from /boot/vmlinuz, signed
// with the test key) is pushed over virtio-serial to `hotsplice-guestd`, which verifies it
// against the running kernel, applies it, reports it, and rolls it back on request.
#include <catch2/catch.hpp>

#include "core/base/file_io.h"
#include "tests/support/temp_dir.h"
#include "tests/vm/guestd_host_client.h"
#include "tests/vm/guestd_test_kit.h"
#include "tests/vm/harness/qemu_guest.h"
#include "tests/vm/live_patch_support.h"
#include "tests/vm/require_ok.h"

using namespace hotsplice;
using namespace hotsplice::vm;
using namespace hotsplice::protocol;

TEST_CASE("end to end: a bundle built from a kernel source diff goes live through the agent",
          "[vm]") {
  const GuestdTestKit& kit = GuestdTestKit::get();
  const TestKernel& running = kit.newest();
  testing::TempDir dir;
  QemuGuest guest = require_ok(QemuGuest::start(QemuGuestOptions(running.image, dir / "guest")));
  GuestShell& shell = guest.shell();
  const std::string original = require_ok(shell.check_output("cat /proc/cmdline"));

  const auto key = dir / "signing.key";
  require_ok(write_file_atomically(key, kit.key().to_pem(), 0600));
  const auto bundle_file = dir / "hs-e2e-cmdline.hsb";
  build_kernel_patch(
      "cmdline-only.diff", "hotsplice_e2e_cmdline", running.release, dir / "build",
      {"--bundle", bundle_file.string(), "--key", key.string(), "--id", "hs-e2e-cmdline",
       "--description", "end-to-end test", "--cve", "CVE-2026-0001"});
  const std::string bundle = require_ok(read_file(bundle_file, 64 << 20));

  AgentClient agent = require_ok(AgentClient::connect(guest.agent_socket()));
  // The identity hotsplice-build read from the image is the one the running kernel reports.
  CHECK(agent.hello().kernel == running.identity);
  require_ok(agent.send_bundle("hs-e2e-cmdline", bundle));
  Result applied = require_ok(agent.apply("hs-e2e-cmdline"));
  INFO(applied.message);
  REQUIRE(applied.ok);
  CHECK(require_ok(shell.check_output("cat /proc/cmdline")) == "hotsplice " + original);
  CHECK(require_ok(shell.check_output("cat /sys/kernel/livepatch/hotsplice_e2e_cmdline/enabled")) ==
        "1\n");
  const Inventory after = require_ok(agent.inventory());
  REQUIRE(after.applied_patches.size() == 1);
  CHECK(after.applied_patches[0].id == "hs-e2e-cmdline");
  CHECK(after.applied_patches[0].module == "hotsplice_e2e_cmdline");
  CHECK(after.applied_patches[0].enabled);

  Result rolled_back = require_ok(agent.rollback("hs-e2e-cmdline"));
  INFO(rolled_back.message);
  REQUIRE(rolled_back.ok);
  CHECK(require_ok(shell.check_output("cat /proc/cmdline")) == original);
  CHECK(require_ok(shell.check_output("ls /sys/kernel/livepatch | wc -l")) == "0\n");
}
