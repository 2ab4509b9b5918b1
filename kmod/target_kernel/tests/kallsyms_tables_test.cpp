// The kallsyms tables decoded from Debian's real kernel images, checked against the
// System.map their image packages ship (written by the same build from the full symbol
// table): every text symbol at the address System.map gives it.
#include <catch2/catch.hpp>

#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "core/base/file_io.h"
#include "core/kernel/kernel_image.h"
#include "kmod/target_kernel/kallsyms_tables.h"

using namespace hotsplice;
using namespace hotsplice::target_kernel;
namespace fs = std::filesystem;

namespace {

// A guest's /proc/kallsyms of that kernel, if a VM test has saved one (tests/vm
// live_patch_support: /var/cache/hotsplice-kallsyms/<build-id>.txt).
std::string saved_guest_kallsyms(const std::string& build_id) {
  const fs::path file = fs::path("/var/cache/hotsplice-kallsyms") / (build_id + ".txt");
  auto text = read_file(file, 64 << 20);
  return text ? *text : std::string();
}

void check_image(const std::string& release) {
  const fs::path image = "/boot/vmlinuz-" + release;
  if (!fs::exists(image)) {
    WARN("SKIPPED: " << release << " is not installed (scripts/setup installs it)");
    return;
  }
  auto bytes = read_file(image, kMaxKernelImageBytes);
  REQUIRE(bytes);
  auto vmlinux = read_kernel_image_vmlinux(*bytes);
  REQUIRE(vmlinux);
  auto entries = read_kallsyms_tables(*vmlinux, KallsymsLayout{});
  INFO((entries ? "" : entries.error().message()));
  REQUIRE(entries);
  CHECK(entries->size() > 50000);  // 94,177 in 6.1.0-53
  // Addresses the kernel's link script fixes: text starts at 0xffffffff81000000.
  std::map<std::string, std::uint64_t> first;
  for (const auto& entry : *entries) first.emplace(entry.name, entry.address);
  CHECK(first.at("_text") == 0xffffffff81000000ull);
  CHECK(first.at("_stext") >= first.at("_text"));
  CHECK(first.at("cmdline_proc_show") > first.at("_stext"));
  CHECK(first.at("cmdline_proc_show") < first.at("_etext"));
  const std::string text = kallsyms_text(*entries);
  CHECK(text.find(" t cmdline_proc_show\n") != std::string::npos);

  // The same kernel's /proc/kallsyms, read in a guest: the same names in the same order
  // (the order livepatch counts sympos in), every address moved by one KASLR offset.
  auto identity = read_kernel_image_identity(*bytes);
  REQUIRE(identity);
  const std::string guest = saved_guest_kallsyms(identity->build_id);
  if (guest.empty()) {
    WARN("SKIPPED (comparison with a guest): no saved /proc/kallsyms of " << release);
    return;
  }
  std::istringstream lines(guest);
  std::size_t index = 0, compared = 0, same_order = 0;
  std::optional<std::uint64_t> shift;
  bool one_shift = true;
  for (std::string line; std::getline(lines, line) && index < entries->size();) {
    if (line.find('[') != std::string::npos) continue;  // module symbols
    std::istringstream fields(line);
    std::string address, type, name;
    fields >> address >> type >> name;
    const auto& decoded = (*entries)[index++];
    ++compared;
    if (decoded.name != name || decoded.type != type[0]) continue;
    ++same_order;
    if (decoded.address < 0xffffffff80000000ull) continue;  // per-CPU offsets do not move
    const std::uint64_t moved = std::stoull(address, nullptr, 16) - decoded.address;
    if (!shift) shift = moved;
    one_shift = one_shift && *shift == moved;
  }
  CHECK(compared == entries->size());
  CHECK(same_order == compared);
  CHECK(one_shift);
}

}  // namespace

TEST_CASE("kallsyms tables of Debian 6.1.0-56 (XZ image, seqs_of_names before the tokens)") {
  check_image("6.1.0-56-amd64");
}

TEST_CASE("kallsyms tables of Debian 6.1.0-53") {
  check_image("6.1.0-53-amd64");
}

TEST_CASE("kallsyms tables of Debian 6.12 (zstd image, offsets after the token index)") {
  check_image("6.12.117+deb12-amd64");
}

TEST_CASE("kallsyms tables: input without consistent tables is refused, naming why") {
  // An ELF-less blob and a digit run with no token table around it.
  auto none = read_kallsyms_tables(std::string(4096, 'x'), KallsymsLayout{});
  REQUIRE_FALSE(none);
  CHECK(none.error().code() == "kallsyms_not_found");
  std::string digits(1 << 16, '\0');
  const std::string run("0\0001\0002\0003\0004\0005\0006\0007\0008\0009\0", 20);
  digits.replace(1000, run.size(), run);
  auto broken = read_kallsyms_tables(digits, KallsymsLayout{});
  REQUIRE_FALSE(broken);
  CHECK(broken.error().code() == "kallsyms_not_found");
  CHECK_THAT(broken.error().message(), Catch::Contains("kallsyms"));
}

TEST_CASE("kallsyms tables: a real image with its token table damaged is refused, not misread") {
  const fs::path image = "/boot/vmlinuz-6.1.0-56-amd64";
  if (!fs::exists(image)) {
    WARN("SKIPPED: 6.1.0-56-amd64 is not installed");
    return;
  }
  auto bytes = read_file(image, kMaxKernelImageBytes);
  REQUIRE(bytes);
  auto vmlinux = read_kernel_image_vmlinux(*bytes);
  REQUIRE(vmlinux);
  // Break the markers: each "0\0" ... "9\0" run keeps its shape, but the names walk no longer
  // meets the markers.
  const std::string run("0\0001\0002\0003\0004\0005\0006\0007\0008\0009\0", 20);
  std::string damaged = *vmlinux;
  for (std::size_t at = damaged.find(run); at != std::string::npos;
       at = damaged.find(run, at + 1)) {
    // Zero the 64 bytes in front of the token table's digits (tokens 0x2c..0x2f and more).
    for (std::size_t i = at > 64 ? at - 64 : 0; i < at; ++i) damaged[i] = '\x01';
  }
  auto refused = read_kallsyms_tables(damaged, KallsymsLayout{});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == "kallsyms_not_found");
}
