// The fallback for symbol positions: the -dbg package's vmlinux, downloaded for real (about
// 860 MB, so only when HOTSPLICE_DOWNLOAD_TESTS=1), gives every text symbol the kallsyms
// tables decoded from the same image give, at the same address and in the same order
// among same-named symbols (the order livepatch counts sympos in).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>
#include <vector>

#include "core/base/file_io.h"
#include "core/kernel/kernel_image.h"
#include "kmod/target_kernel/debian_packages.h"
#include "kmod/target_kernel/kallsyms_tables.h"
#include "kmod/target_kernel/kernel_inputs.h"
#include "tests/support/temp_dir.h"

using namespace hotsplice;
using namespace hotsplice::target_kernel;
namespace fs = std::filesystem;

namespace {

// Text symbols of a /proc/kallsyms-format list: name -> addresses in list order.
std::map<std::string, std::vector<std::string>> text_symbols(const std::string& kallsyms) {
  std::map<std::string, std::vector<std::string>> symbols;
  std::istringstream lines(kallsyms);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string address, type, name;
    if (!(fields >> address >> type >> name)) continue;
    if (type == "t" || type == "T") symbols[name].push_back(address);
  }
  return symbols;
}

}  // namespace

TEST_CASE("the -dbg package's vmlinux gives the symbol positions the image's tables give") {
  const char* opted_in = std::getenv("HOTSPLICE_DOWNLOAD_TESTS");
  if (opted_in == nullptr || std::string(opted_in) != "1") {
    WARN("SKIPPED: downloads ~860 MB; set HOTSPLICE_DOWNLOAD_TESTS=1 to run it");
    return;
  }
  const std::string release = "6.1.0-56-amd64";
  if (!fs::exists("/boot/vmlinuz-" + release)) {
    WARN("SKIPPED: " << release << " is not installed (scripts/setup installs it)");
    return;
  }
  auto packages = find_kernel_packages(release);
  REQUIRE(packages);
  hotsplice::testing::TempDir dir;
  std::vector<std::string> downloads;
  auto origin = symbols_from_dbg_package(*packages, dir / "kallsyms", dir / "log", downloads);
  INFO((origin ? *origin : origin.error().message()));
  REQUIRE(origin);
  CHECK(origin->find(packages->image_package + "-dbg") != std::string::npos);
  REQUIRE(downloads.size() == 1);
  std::cout << "  " << downloads.front() << "; " << *origin << "\n";
  auto from_dbg = read_file(dir / "kallsyms", std::size_t{256} << 20);
  REQUIRE(from_dbg);
  // Nothing but the list is left behind.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir.path())) ++entries;
  CHECK(entries == 2);  // kallsyms and the log

  auto image = read_file("/boot/vmlinuz-" + release, kMaxKernelImageBytes);
  REQUIRE(image);
  auto vmlinux = read_kernel_image_vmlinux(*image);
  REQUIRE(vmlinux);
  auto decoded = read_kallsyms_tables(*vmlinux, KallsymsLayout{});
  REQUIRE(decoded);
  const auto expected = text_symbols(kallsyms_text(*decoded));
  const auto got = text_symbols(*from_dbg);
  std::size_t missing = 0, other_positions = 0;
  for (const auto& [name, addresses] : expected) {
    auto found = got.find(name);
    if (found == got.end()) {
      ++missing;
    } else if (found->second != addresses) {
      ++other_positions;
    }
  }
  CHECK(expected.size() > 40000);  // distinct text names: 48,874 in 6.1.0-56
  CHECK(missing == 0);
  CHECK(other_positions == 0);
}
