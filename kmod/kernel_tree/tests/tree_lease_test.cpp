// The lease on a cached kernel tree: files a session changes are put back when it ends, and
// by the next session when one died with the tree changed.
#include <catch2/catch.hpp>

#include <filesystem>

#include "core/base/file_io.h"
#include "kmod/kernel_tree/tree_lease.h"
#include "tests/support/temp_dir.h"

using namespace hotsplice;
using namespace hotsplice::kernel_tree;
namespace fs = std::filesystem;

namespace {

fs::path make_tree(const hotsplice::testing::TempDir& dir) {
  const fs::path tree = dir / "entry" / "linux";
  fs::create_directories(tree / "fs" / "proc");
  REQUIRE(write_file_atomically(tree / "fs" / "proc" / "cmdline.c", "pristine\n"));
  return tree;
}

std::string content(const fs::path& file) {
  return *read_file(file, 1 << 20);
}

}  // namespace

TEST_CASE("tree lease: changed files are put back when the lease ends") {
  hotsplice::testing::TempDir dir;
  const fs::path tree = make_tree(dir);
  const fs::path file = tree / "fs" / "proc" / "cmdline.c";
  // A hard link, as a cache shared with another tree would hold: it must stay pristine.
  fs::create_hard_link(file, dir / "other-link.c");
  {
    auto lease = TreeLease::acquire(tree);
    REQUIRE(lease);
    REQUIRE(lease->will_modify("fs/proc/cmdline.c"));
    REQUIRE(write_file_atomically(file, "patched\n"));
    REQUIRE(lease->will_modify("fs/proc/cmdline.c"));  // a second save keeps the pristine copy
    REQUIRE(write_file_atomically(file, "patched twice\n"));
    CHECK(content(dir / "other-link.c") == "pristine\n");
  }
  CHECK(content(file) == "pristine\n");
  CHECK_FALSE(fs::exists(tree.parent_path() / "originals"));
}

TEST_CASE("tree lease: the next lease restores what a dead session left changed") {
  hotsplice::testing::TempDir dir;
  const fs::path tree = make_tree(dir);
  const fs::path file = tree / "fs" / "proc" / "cmdline.c";
  // What a session killed after patching leaves: the journal and the changed file.
  fs::create_directories(tree.parent_path() / "originals" / "fs" / "proc");
  REQUIRE(write_file_atomically(tree.parent_path() / "originals" / "fs" / "proc" / "cmdline.c",
                                "pristine\n"));
  REQUIRE(write_file_atomically(file, "half patched\n"));
  auto lease = TreeLease::acquire(tree);
  REQUIRE(lease);
  CHECK(content(file) == "pristine\n");
  CHECK_FALSE(fs::exists(tree.parent_path() / "originals"));
}
