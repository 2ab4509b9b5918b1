#include <catch2/catch.hpp>

#include "tests/support/temp_dir.h"
#include "tests/vm/harness/guest_kernel.h"
#include "tests/vm/harness/qemu_guest.h"
#include "tests/vm/require_ok.h"

using namespace hotsplice::vm;

TEST_CASE("a guest boots and runs commands through the test shell", "[vm]") {
  hotsplice::testing::TempDir dir;
  GuestImage image = require_ok(build_guest_image(GuestImageSpec(test_kernel_releases().front())));
  QemuGuest guest = require_ok(QemuGuest::start(QemuGuestOptions(image, dir.path())));
  CommandResult result = require_ok(guest.shell().run("uname -r; echo oops >&2; exit 3"));
  CHECK(result.out == image.kernel_release + "\n");
  CHECK(result.err == "oops\n");
  CHECK(result.exit_code == 3);
  WARN("boot time " << guest.boot_time().count() << " ms");
}
