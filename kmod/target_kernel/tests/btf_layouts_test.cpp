// Special-table layouts read from the BTF of Debian's real kernel images: 6.1's agree with
// the constants hotsplice used for 6.1, 6.12's differ where the kernel changed, and an
// object holding a table the target does not describe is refused, naming the table.
#include <catch2/catch.hpp>

#include <filesystem>

#include "core/base/file_io.h"
#include "core/kernel/kernel_image.h"
#include "kmod/elfdiff/comparison.h"
#include "kmod/elfdiff/tests/compile_fixture.h"
#include "kmod/target_kernel/btf_layouts.h"
#include "tests/support/temp_dir.h"

using namespace hotsplice;
using namespace hotsplice::target_kernel;
namespace fs = std::filesystem;

namespace {

std::optional<elfdiff::TableLayouts> layouts_of(const std::string& release) {
  const fs::path image = "/boot/vmlinuz-" + release;
  if (!fs::exists(image)) return std::nullopt;
  auto bytes = read_file(image, kMaxKernelImageBytes);
  REQUIRE(bytes);
  auto vmlinux = read_kernel_image_vmlinux(*bytes);
  REQUIRE(vmlinux);
  auto layouts = layouts_from_btf(*vmlinux);
  INFO((layouts ? "" : layouts.error().message()));
  REQUIRE(layouts);
  return *layouts;
}

const elfdiff::SpecialTable* table_in(const elfdiff::TableLayouts& layouts, std::string_view name) {
  for (const auto& table : layouts.tables) {
    if (table.name == name) return &table;
  }
  return nullptr;
}

// Puts 6.1's layouts back whatever a test installed.
struct RestoreLayouts {
  ~RestoreLayouts() { elfdiff::use_table_layouts(elfdiff::linux_6_1_layouts()); }
};

}  // namespace

TEST_CASE("btf layouts: Debian 6.1.0-56's BTF gives exactly the 6.1 layouts") {
  auto layouts = layouts_of("6.1.0-56-amd64");
  if (!layouts) {
    WARN("SKIPPED: 6.1.0-56-amd64 is not installed (scripts/setup installs it)");
    return;
  }
  CHECK(layouts->unknown.empty());
  const auto expected = elfdiff::linux_6_1_layouts();
  REQUIRE(layouts->tables.size() == expected.tables.size());
  for (const auto& want : expected.tables) {
    const auto* got = table_in(*layouts, want.name);
    INFO(want.name);
    REQUIRE(got);
    CHECK(got->entry_size == want.entry_size);
    CHECK(got->key_offset == want.key_offset);
    CHECK(got->ignored_offset == want.ignored_offset);
    CHECK(got->ignored_size == want.ignored_size);
    CHECK(got->site_length_offset == want.site_length_offset);
  }
}

TEST_CASE("btf layouts: Debian 6.12's alt_instr is 14 bytes and paravirt_patch_site is gone") {
  auto layouts = layouts_of("6.12.117+deb12-amd64");
  if (!layouts) {
    WARN("SKIPPED: 6.12.117+deb12-amd64 is not installed (scripts/setup installs it)");
    return;
  }
  const auto* alternatives = table_in(*layouts, ".altinstructions");
  REQUIRE(alternatives);
  CHECK(alternatives->entry_size == 14);
  // instrlen moved: after a 32-bit ft_flags (6.1: after a 16-bit cpuid, at 10).
  CHECK(alternatives->site_length_offset == 12u);
  const auto* jumps = table_in(*layouts, "__jump_table");
  REQUIRE(jumps);
  CHECK(jumps->entry_size == 16);
  CHECK(jumps->key_offset == 8u);
  CHECK(table_in(*layouts, ".parainstructions") == nullptr);
  REQUIRE(layouts->unknown.size() == 1);
  CHECK(layouts->unknown[0].first == ".parainstructions");
  CHECK(layouts->unknown[0].second ==
        "struct paravirt_patch_site is not in the target kernel's BTF");
  CHECK(describe_layouts(*layouts).find(".altinstructions: 14-byte entries, site length at 12") !=
        std::string::npos);
}

TEST_CASE("btf layouts: an image without BTF is refused with no_btf") {
  auto refused = layouts_from_btf(std::string(4096, 'x'));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == "no_btf");
}

TEST_CASE("btf layouts: an object with a table the target does not describe is refused") {
  RestoreLayouts restore;
  hotsplice::testing::TempDir dir;
  auto pair = elfdiff::testing::compile_fixture_pair("paravirt_site", dir.path(), true);
  REQUIRE(pair);
  // Under 6.1's layouts the entry is read and the change found.
  auto known = elfdiff::compare_object_files(pair->before, pair->after, "pv.o", {});
  REQUIRE(known);
  // A target without struct paravirt_patch_site (Linux 6.8 and later).
  auto layouts = elfdiff::linux_6_1_layouts();
  std::erase_if(layouts.tables,
                [](const auto& table) { return table.name == ".parainstructions"; });
  layouts.unknown.emplace_back(".parainstructions",
                               "struct paravirt_patch_site is not in the target kernel's BTF");
  elfdiff::use_table_layouts(layouts);
  auto refused = elfdiff::compare_object_files(pair->before, pair->after, "pv.o", {});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == "unknown_table_layout");
  CHECK_THAT(refused.error().message(),
             Catch::Contains("section .parainstructions") &&
                 Catch::Contains("struct paravirt_patch_site is not in the target kernel's BTF"));
}
