#include <catch2/catch.hpp>

#include "core/kernel/tests/fixture_paths.h"
#include "core/livepatch/blocking_tasks.h"
#include "tests/support/temp_dir.h"

using hotsplice::testing::kernel_fixture;
using hotsplice::testing::TempDir;

TEST_CASE("tasks still unpatched block a transition to patched") {
  auto tasks = hotsplice::find_blocking_tasks(kernel_fixture("handmade-transition-stalled"), 1);
  REQUIRE(tasks);
  REQUIRE(tasks->size() == 2);
  CHECK((*tasks)[0].pid == 77);
  CHECK((*tasks)[0].comm == "kworker/u4:2");
  CHECK((*tasks)[0].stack_top.empty());
  CHECK((*tasks)[1].pid == 1234);
  CHECK((*tasks)[1].tid == 1234);
  CHECK((*tasks)[1].comm == "pipe_reader");
  CHECK((*tasks)[1].patch_state == 0);
  CHECK((*tasks)[1].stack_top == std::vector<std::string>{"pipe_read+0x32c/0x460",
                                                          "vfs_read+0x2f4/0x320",
                                                          "ksys_read+0x6b/0xf0"});
  CHECK(hotsplice::describe((*tasks)[1]) ==
        "pid 1234 tid 1234 (pipe_reader) patch_state 0 at pipe_read+0x32c/0x460 <- "
        "vfs_read+0x2f4/0x320 <- ksys_read+0x6b/0xf0");
}

TEST_CASE("tasks already patched block a transition to unpatched") {
  auto tasks = hotsplice::find_blocking_tasks(kernel_fixture("handmade-transition-stalled"), 0);
  REQUIRE(tasks);
  REQUIRE(tasks->size() == 2);
  CHECK((*tasks)[0].pid == 1);
  CHECK((*tasks)[0].comm == "systemd");
  CHECK((*tasks)[1].tid == 1235);
}

TEST_CASE("tasks outside a transition (-1) or without patch_state never block") {
  TempDir root;
  root.write("proc/10/task/10/patch_state", "-1\n");
  root.write("proc/11/task/11/comm", "no livepatch support\n");
  auto tasks = hotsplice::find_blocking_tasks(root.path(), 1);
  REQUIRE(tasks);
  CHECK(tasks->empty());
}

TEST_CASE("a malformed patch_state is an error naming the file") {
  TempDir root;
  root.write("proc/10/task/12/patch_state", "2\n");
  auto tasks = hotsplice::find_blocking_tasks(root.path(), 1);
  REQUIRE_FALSE(tasks);
  CHECK(tasks.error().code() == "invalid_value");
  CHECK_THAT(tasks.error().message(), Catch::Contains("proc/10/task/12/patch_state"));
}

TEST_CASE("unprintable task names are shown safely") {
  TempDir root;
  root.write("proc/10/task/10/patch_state", "0\n");
  root.write("proc/10/task/10/comm", std::string("evil\x1b[2J\n"));
  auto tasks = hotsplice::find_blocking_tasks(root.path(), 1);
  REQUIRE(tasks);
  REQUIRE(tasks->size() == 1);
  CHECK((*tasks)[0].comm == "evil?[2J");
}

TEST_CASE("this machine's real /proc is scanned without error") {
  // No livepatch transition runs here (no CONFIG_LIVEPATCH): nothing may be reported, and
  // tasks exiting during the scan must not make it fail.
  auto tasks = hotsplice::find_blocking_tasks("/", 1);
  REQUIRE(tasks);
  CHECK(tasks->empty());
}
