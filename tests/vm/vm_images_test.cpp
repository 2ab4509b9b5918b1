#include <catch2/catch.hpp>

#include <filesystem>

#include "tests/vm/harness/guest_image.h"
#include "tests/vm/harness/guest_kernel.h"
#include "tests/vm/require_ok.h"

using namespace hotsplice::vm;

TEST_CASE("the standard image of every test kernel builds and is reused", "[vm]") {
  for (const std::string& release : test_kernel_releases()) {
    INFO("kernel " << release);
    GuestImage first = require_ok(build_guest_image(GuestImageSpec(release)));
    CHECK(std::filesystem::file_size(first.initramfs) > 0);
    GuestImage second = require_ok(build_guest_image(GuestImageSpec(release)));
    CHECK(second.initramfs == first.initramfs);
    CHECK(second.kernel == first.kernel);
  }
}
