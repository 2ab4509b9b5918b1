// Call overhead of a live-patched function, measured inside a QEMU guest: the module in
// module/ times a tight loop of calls to bench_work() (read /proc/hotsplice_bench); the
// bench builds a live patch of bench_work with hotsplice-build from bench_work-v2.diff
// and reports ns per call before patching, while patched, and after the patch is removed.
// Run by hand: ./livepatch_overhead_bench (never part of ctest). Under TCG every figure
// is emulated time: compare the rows with each other, not with bare-metal numbers.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <vector>

#include "core/base/file_io.h"
#include "tests/support/temp_dir.h"
#include "tests/vm/harness/guest_kernel.h"
#include "tests/vm/harness/kernel_module_build.h"
#include "tests/vm/harness/qemu_guest.h"
#include "tests/vm/live_patch_support.h"
#include "tests/vm/require_ok.h"

using namespace hotsplice::vm;
namespace fs = std::filesystem;

namespace {

constexpr int kRounds = 7;

// Median ns per call over kRounds reads of /proc/hotsplice_bench.
double median_ns_per_call(GuestShell& shell) {
  std::vector<double> samples;
  for (int round = 0; round < kRounds; ++round) {
    const std::string line = require_ok(shell.check_output("cat /proc/hotsplice_bench"));
    unsigned long calls = 0, check = 0;
    unsigned long long ns = 0, ps = 0;
    REQUIRE(std::sscanf(line.c_str(), "calls=%lu ns=%llu ps_per_call=%llu check=%lu", &calls, &ns,
                        &ps, &check) == 4);
    samples.push_back(static_cast<double>(ps) / 1000.0);
  }
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

}  // namespace

TEST_CASE("live patch call overhead in a guest") {
  const std::string release = test_kernel_releases().at(0);
  hotsplice::testing::TempDir dir;
  const fs::path source = HOTSPLICE_BENCH_MODULE_DIR;
  const auto after_source = patched_copy(source, HOTSPLICE_BENCH_DIFF, dir / "after-src");
  const auto target =
      require_ok(build_kernel_module(source, "hotsplice_bench", release, dir / "before"));
  require_ok(build_kernel_module(after_source, "hotsplice_bench", release, dir / "after"));
  run_hotsplice_build({"patch", "--before", (dir / "before" / "hotsplice_bench.o").string(),
                       "--after", (dir / "after" / "hotsplice_bench.o").string(), "--binary",
                       "hotsplice_bench", "--target-module", target.string(), "--name",
                       "hotsplice_bench_v2", "--release", release, "--output",
                       (dir / "patch").string()});

  GuestImage image = require_ok(build_guest_image(GuestImageSpec(release)));
  QemuGuest guest = require_ok(QemuGuest::start(QemuGuestOptions(image, dir / "guest")));
  GuestShell& shell = guest.shell();
  require_ok(shell.write_file("/tmp/bench.ko", require_ok(hotsplice::read_file(target, 16 << 20))));
  require_ok(shell.check_output("insmod /tmp/bench.ko"));
  const std::string unpatched_check = require_ok(shell.check_output("cat /proc/hotsplice_bench"));

  const double before = median_ns_per_call(shell);
  load_live_patch(shell, dir / "patch" / "module" / "hotsplice_bench_v2.ko", "hotsplice_bench_v2");
  const std::string patched_check = require_ok(shell.check_output("cat /proc/hotsplice_bench"));
  REQUIRE(patched_check.substr(patched_check.find("check=")) !=
          unpatched_check.substr(unpatched_check.find("check=")));  // new code runs
  const double patched = median_ns_per_call(shell);
  unload_live_patch(shell, "hotsplice_bench_v2");
  const double after = median_ns_per_call(shell);

  std::cout << "kernel " << release << " (QEMU TCG, 1 vCPU), median of " << kRounds
            << " runs of 200000 calls\n"
            << "  unpatched:        " << before << " ns/call\n"
            << "  live-patched:     " << patched << " ns/call (+" << patched - before << ")\n"
            << "  patch removed:    " << after << " ns/call\n";
}
