// Boot time of a test guest per kernel: median of several sequential boots, from spawning
// QEMU until the test shell answers. Hidden from ctest (tag [.]); run by hand:
//   build/<preset>/tests/vm/vm_qemu_tests "[bench]"
#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "tests/support/temp_dir.h"
#include "tests/vm/harness/guest_kernel.h"
#include "tests/vm/harness/qemu_guest.h"
#include "tests/vm/require_ok.h"

using namespace hotsplice::vm;

TEST_CASE("boot time per test kernel", "[.][bench]") {
  constexpr int kBoots = 5;
  for (const std::string& release : test_kernel_releases()) {
    GuestImage image = require_ok(build_guest_image(GuestImageSpec(release)));
    std::vector<long> boot_ms;
    for (int boot = 0; boot < kBoots; ++boot) {
      hotsplice::testing::TempDir dir;
      QemuGuest guest = require_ok(QemuGuest::start(QemuGuestOptions(image, dir.path())));
      boot_ms.push_back(static_cast<long>(guest.boot_time().count()));
    }
    std::sort(boot_ms.begin(), boot_ms.end());
    WARN(release << ": median boot " << boot_ms[kBoots / 2] << " ms (min " << boot_ms.front()
                 << ", max " << boot_ms.back() << ", " << kBoots << " boots)");
  }
}
