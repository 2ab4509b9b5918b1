// Builds real diffs against Debian's linux-source-6.1 with the installed kernel's config.
// The first run prepares the tree (about a minute); later runs reuse the cache in
// $HOTSPLICE_KERNEL_CACHE (default /var/tmp/hotsplice-kernel-cache).
#include <catch2/catch.hpp>

#include <cstdlib>

#include "kmod/kernel_tree/build_session.h"
#include "tests/support/temp_dir.h"

using hotsplice::elfdiff::ObjectReport;
using hotsplice::elfdiff::Outcome;
using hotsplice::testing::TempDir;
using Names = std::vector<std::string>;

namespace {

std::string setting(const char* name, const char* fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

std::vector<ObjectReport> build_diff(const std::string& diff) {
  TempDir output;
  hotsplice::kernel_tree::SessionRequest request;
  request.tree.source = setting("HOTSPLICE_KERNEL_SOURCE", "/usr/src/linux-source-6.1.tar.xz");
  request.tree.config = setting("HOTSPLICE_KERNEL_CONFIG", "/boot/config-6.1.0-56-amd64");
  request.tree.cache = setting("HOTSPLICE_KERNEL_CACHE", "/var/tmp/hotsplice-kernel-cache");
  request.tree.jobs = 2;
  request.patch = std::string(HOTSPLICE_KERNEL_DIFFS) + "/" + diff;
  request.output = output.path();
  auto reports = hotsplice::kernel_tree::run_session(request);
  INFO((reports ? std::string() : reports.error().message()));
  REQUIRE(reports);
  return *reports;
}

}  // namespace

TEST_CASE("a changed string in meminfo_proc_show changes only that function") {
  auto reports = build_diff("meminfo-string.diff");
  REQUIRE(reports.size() == 1);
  INFO(hotsplice::elfdiff::report_to_text(reports));
  CHECK(reports[0].object == "fs/proc/meminfo.o");
  CHECK(reports[0].binary == "vmlinux");
  CHECK(reports[0].changed_functions == Names{"meminfo_proc_show"});
  CHECK(reports[0].new_functions.empty());
  CHECK(reports[0].removed_functions.empty());
  CHECK(reports[0].changed_data.empty());
  CHECK(reports[0].new_data.empty());
  CHECK(reports[0].refusals.empty());
  CHECK(hotsplice::elfdiff::outcome_of(reports) == Outcome::changes);
}

TEST_CASE("a new static function called from cmdline_proc_show is new, its caller changed") {
  auto reports = build_diff("cmdline-new-function.diff");
  REQUIRE(reports.size() == 1);
  INFO(hotsplice::elfdiff::report_to_text(reports));
  CHECK(reports[0].object == "fs/proc/cmdline.o");
  CHECK(reports[0].binary == "vmlinux");
  CHECK(reports[0].changed_functions == Names{"cmdline_proc_show"});
  CHECK(reports[0].new_functions == Names{"cmdline_proc_show_marker"});
  CHECK(reports[0].removed_functions.empty());
  CHECK(reports[0].changed_data.empty());
  CHECK(reports[0].new_data.empty());
  CHECK(reports[0].refusals.empty());
  CHECK(hotsplice::elfdiff::outcome_of(reports) == Outcome::changes);
}

// null_param_store_val is inlined into both module-parameter setters: they are what changed.
TEST_CASE("a change in the null_blk module is attributed to that module") {
  auto reports = build_diff("null_blk-module.diff");
  REQUIRE(reports.size() == 1);
  INFO(hotsplice::elfdiff::report_to_text(reports));
  CHECK(reports[0].object == "drivers/block/null_blk/main.o");
  CHECK(reports[0].binary == "null_blk");
  CHECK(reports[0].changed_functions == (Names{"null_set_irqmode", "null_set_queue_mode"}));
  CHECK(reports[0].new_functions.empty());
  CHECK(reports[0].removed_functions.empty());
  CHECK(reports[0].changed_data.empty());
  CHECK(reports[0].refusals.empty());
  CHECK(hotsplice::elfdiff::outcome_of(reports) == Outcome::changes);
}
