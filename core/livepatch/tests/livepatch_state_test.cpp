#include <catch2/catch.hpp>

#include "core/kernel/tests/fixture_paths.h"
#include "core/livepatch/livepatch_state.h"
#include "tests/support/temp_dir.h"

using hotsplice::LivepatchFunction;
using hotsplice::testing::kernel_fixture;
using hotsplice::testing::TempDir;

TEST_CASE("a hand-made tree with two patches is read with objects and functions") {
  auto patches = hotsplice::list_livepatches(kernel_fixture("handmade-livepatch-two-patches"));
  REQUIRE(patches);
  REQUIRE(patches->size() == 2);

  const auto& cumulative = (*patches)[0];
  CHECK(cumulative.name == "livepatch_cumulative_2");
  CHECK(cumulative.enabled);
  CHECK(cumulative.transition);
  CHECK(cumulative.replace == true);
  REQUIRE(cumulative.objects.size() == 1);
  CHECK(cumulative.objects[0].name == "vmlinux");
  CHECK_FALSE(cumulative.objects[0].patched.has_value());
  CHECK(cumulative.objects[0].functions == std::vector<LivepatchFunction>{{"uptime_proc_show", 1}});

  const auto& fix = (*patches)[1];
  CHECK(fix.name == "livepatch_cve_2024_0001");
  CHECK(fix.enabled);
  CHECK_FALSE(fix.transition);
  CHECK(fix.replace == false);
  REQUIRE(fix.objects.size() == 2);
  CHECK(fix.objects[0].name == "ext4");
  CHECK(fix.objects[0].patched == false);
  CHECK(fix.objects[0].functions == std::vector<LivepatchFunction>{{"ext4_fill_super", 2}});
  CHECK(fix.objects[1].name == "vmlinux");
  CHECK(fix.objects[1].patched == true);
  CHECK(fix.objects[1].functions ==
        std::vector<LivepatchFunction>{{"cmdline_proc_show", 1}, {"meminfo_proc_show", 1}});
}

TEST_CASE("no /sys/kernel/livepatch is an empty list, not an error") {
  TempDir root;
  auto patches = hotsplice::list_livepatches(root.path());
  REQUIRE(patches);
  CHECK(patches->empty());
  // The recorded host has no CONFIG_LIVEPATCH either.
  auto host = hotsplice::list_livepatches(kernel_fixture("host-6.18.44-fc"));
  REQUIRE(host);
  CHECK(host->empty());
}

TEST_CASE("this machine's own /sys/kernel/livepatch is read without error") {
  auto patches = hotsplice::list_livepatches("/");
  REQUIRE(patches);
}

TEST_CASE("malformed livepatch trees are refused naming the file") {
  SECTION("garbage in enabled") {
    auto patches =
        hotsplice::list_livepatches(kernel_fixture("handmade-livepatch-garbage-enabled"));
    REQUIRE_FALSE(patches);
    CHECK(patches.error().code() == "invalid_value");
    CHECK_THAT(patches.error().message(), Catch::Contains("reading livepatch livepatch_broken") &&
                                              Catch::Contains("livepatch_broken/enabled") &&
                                              Catch::Contains("\"yes\""));
  }
  SECTION("an empty transition") {
    auto patches =
        hotsplice::list_livepatches(kernel_fixture("handmade-livepatch-empty-transition"));
    REQUIRE_FALSE(patches);
    CHECK(patches.error().code() == "invalid_value");
    CHECK_THAT(patches.error().message(), Catch::Contains("livepatch_broken/transition: empty"));
  }
  SECTION("a function directory without its sympos") {
    auto patches =
        hotsplice::list_livepatches(kernel_fixture("handmade-livepatch-bad-function-dir"));
    REQUIRE_FALSE(patches);
    CHECK(patches.error().code() == "invalid_value");
    CHECK_THAT(patches.error().message(), Catch::Contains("vmlinux/cmdline_proc_show") &&
                                              Catch::Contains("<function>,<sympos>"));
  }
  SECTION("a missing enabled file") {
    TempDir root;
    root.write("sys/kernel/livepatch/p/transition", "0\n");
    auto patches = hotsplice::list_livepatches(root.path());
    REQUIRE_FALSE(patches);
    CHECK(patches.error().code() == "io_error");
    CHECK_THAT(patches.error().message(), Catch::Contains("p/enabled: No such file or directory"));
  }
}

TEST_CASE("read_livepatch names a missing patch and refuses names that are paths") {
  auto root = kernel_fixture("handmade-livepatch-two-patches");
  auto missing = hotsplice::read_livepatch(root, "livepatch_absent");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == "livepatch_not_found");
  CHECK_THAT(missing.error().message(), Catch::Contains("livepatch_absent"));
  for (const char* name : {"", "..", "a/b", "."}) {
    auto refused = hotsplice::read_livepatch(root, name);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code() == "invalid_name");
  }
}
