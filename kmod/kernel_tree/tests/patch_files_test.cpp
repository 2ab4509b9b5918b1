#include <catch2/catch.hpp>

#include "kmod/kernel_tree/object_build.h"
#include "kmod/kernel_tree/patch_files.h"

using namespace hotsplice::kernel_tree;

TEST_CASE("a git-style diff names its files and strips one level") {
  auto files = files_of_patch(
      "--- a/fs/proc/meminfo.c\t2024-01-01\n+++ b/fs/proc/meminfo.c\t2024-01-01\n@@ -1 +1 @@\n"
      "--- a/drivers/block/null_blk/main.c\n+++ b/drivers/block/null_blk/main.c\n");
  REQUIRE(files);
  CHECK(files->strip == 1);
  CHECK(files->files ==
        std::vector<std::string>{"fs/proc/meminfo.c", "drivers/block/null_blk/main.c"});
  auto objects = objects_of(files->files);
  REQUIRE(objects);
  CHECK(*objects == std::vector<std::string>{"fs/proc/meminfo.o", "drivers/block/null_blk/main.o"});
}

TEST_CASE("paths that leave the tree are refused") {
  auto files = files_of_patch("--- a/../etc/passwd\n+++ b/../etc/passwd\n");
  REQUIRE_FALSE(files);
  CHECK(files.error().code() == "invalid_patch");
  CHECK_FALSE(files_of_patch("--- /etc/passwd\n+++ /etc/passwd\n"));
  CHECK_FALSE(files_of_patch("not a diff at all"));
}

TEST_CASE("header changes and new files are not supported yet, with a reason") {
  auto objects = objects_of({"include/linux/fs.h"});
  REQUIRE_FALSE(objects);
  CHECK(objects.error().code() == "unsupported_patch");
  CHECK_THAT(objects.error().message(), Catch::Contains("include/linux/fs.h"));
  auto files = files_of_patch("--- /dev/null\n+++ b/fs/new.c\n");
  REQUIRE_FALSE(files);
  CHECK(files.error().code() == "unsupported_patch");
}

TEST_CASE("the compile command tells vmlinux code from module code") {
  CHECK(*binary_of_command("gcc -D__KERNEL__ -DKBUILD_MODNAME='\"meminfo\"' -c -o x.o x.c") ==
        "vmlinux");
  CHECK(*binary_of_command("gcc -DMODULE -DKBUILD_BASENAME='\"main\"' "
                           "-DKBUILD_MODNAME='\"null_blk\"' -c -o main.o main.c") == "null_blk");
  CHECK_FALSE(binary_of_command("gcc -DMODULE -c x.c"));
}

TEST_CASE("any prefix pair is stripped as patch would") {
  // diff -u of two trees side by side.
  auto plain = files_of_patch(
      "--- linux-6.1.orig/fs/proc/meminfo.c\t2024-01-01 10:00:00\n"
      "+++ linux-6.1/fs/proc/meminfo.c\t2024-01-01 10:00:01\n@@ -1 +1 @@\n");
  REQUIRE(plain);
  CHECK(plain->strip == 1);
  CHECK(plain->files == std::vector<std::string>{"fs/proc/meminfo.c"});
  auto nested = files_of_patch("--- src.orig/linux/fs/x.c\n+++ work/src/linux/fs/x.c\n");
  REQUIRE(nested);
  CHECK(nested->strip == 2);
  CHECK(nested->files == std::vector<std::string>{"linux/fs/x.c"});
  // git --no-prefix, or diff -u run inside the tree: nothing to strip.
  auto bare = files_of_patch("--- fs/proc/meminfo.c\n+++ fs/proc/meminfo.c\n");
  REQUIRE(bare);
  CHECK(bare->strip == 0);
  CHECK(bare->files == std::vector<std::string>{"fs/proc/meminfo.c"});
}

TEST_CASE("a prefix both names share is found in the tree") {
  const FileExists tree = [](const std::string& path) { return path == "fs/proc/meminfo.c"; };
  auto shared = files_of_patch("--- linux/fs/proc/meminfo.c\n+++ linux/fs/proc/meminfo.c\n", tree);
  REQUIRE(shared);
  CHECK(shared->strip == 1);
  CHECK(shared->files == std::vector<std::string>{"fs/proc/meminfo.c"});
  auto mixed =
      files_of_patch("--- a/fs/proc/meminfo.c\n+++ b/fs/proc/meminfo.c\n--- fs/x.c\n+++ fs/x.c\n");
  REQUIRE_FALSE(mixed);
  CHECK_THAT(mixed.error().message(), Catch::Contains("different prefix strips"));
}
