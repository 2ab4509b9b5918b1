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

TEST_CASE("a guest whose kernel panics fails fast with its console log", "[vm]") {
  hotsplice::testing::TempDir dir;
  GuestImage image = require_ok(build_guest_image(GuestImageSpec(test_kernel_releases().front())));
  QemuGuestOptions options(image, dir.path());
  // No /init to run: the kernel falls back to mounting a root device, finds none, panics.
  options.extra_kernel_args = "rdinit=/does-not-exist";
  options.boot_timeout = std::chrono::seconds(120);
  auto started = std::chrono::steady_clock::now();
  auto guest = QemuGuest::start(options);
  auto elapsed = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(guest.has_value());
  INFO(guest.error().message());
  CHECK(guest.error().code() == "guest_failed");
  CHECK(guest.error().message().find("Kernel panic") != std::string::npos);
  CHECK(guest.error().message().find("--- console log") != std::string::npos);
  // Noticed at the panic, well before the boot timeout.
  CHECK(elapsed < std::chrono::seconds(30));
}
