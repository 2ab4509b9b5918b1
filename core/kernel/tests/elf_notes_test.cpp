#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <vector>

#include "core/base/file_io.h"
#include "core/kernel/elf_notes.h"
#include "core/kernel/tests/fixture_paths.h"

using hotsplice::testing::kernel_fixture;

namespace {

std::vector<std::uint8_t> fixture_bytes(const char* relative) {
  auto content = hotsplice::read_file(kernel_fixture(relative), 1 << 16);
  REQUIRE(content);
  return std::vector<std::uint8_t>(content->begin(), content->end());
}

hotsplice::Error build_id_error(const char* relative) {
  auto build_id = hotsplice::gnu_build_id_from_notes(fixture_bytes(relative), relative);
  REQUIRE_FALSE(build_id);
  return build_id.error();
}

}  // namespace

TEST_CASE("the recorded host note section parses into its five notes") {
  auto notes =
      hotsplice::parse_elf_notes(fixture_bytes("host-6.18.44-fc/sys/kernel/notes"), "notes");
  REQUIRE(notes);
  // Expected list from binutils: readelf -n on the bytes wrapped by objcopy -I binary.
  REQUIRE(notes->size() == 5);
  CHECK((*notes)[0].name == "GNU");
  CHECK((*notes)[0].type == 3);
  CHECK((*notes)[0].desc.size() == 20);
  CHECK((*notes)[1].name == "Linux");
  CHECK((*notes)[1].type == 0x101);
  CHECK((*notes)[2].name == "Linux");
  CHECK((*notes)[2].type == 0x100);
  CHECK(std::string((*notes)[2].desc.begin(), (*notes)[2].desc.end()) ==
        std::string("6.1.102-1.182.amzn2023.x86_64\0", 30));
  CHECK((*notes)[3].name == "Xen");
  CHECK((*notes)[3].type == 0x13);
  CHECK((*notes)[4].name == "Xen");
  CHECK((*notes)[4].offset == 0x8c);
}

TEST_CASE("the recorded host notes give the build-id computed with xxd") {
  auto build_id = hotsplice::gnu_build_id_from_notes(
      fixture_bytes("host-6.18.44-fc/sys/kernel/notes"), "notes");
  REQUIRE(build_id);
  CHECK(*build_id == hotsplice::testing::kRecordedHostBuildId);
}

TEST_CASE("malformed note sections are refused with the problem named") {
  SECTION("a header cut short") {
    auto error = build_id_error("malformed-notes/truncated-header.notes");
    CHECK(error.code() == "notes_truncated");
    CHECK_THAT(error.message(), Catch::Contains("truncated-header.notes") &&
                                    Catch::Contains("offset 0") &&
                                    Catch::Contains("header truncated (8 of 12 bytes)"));
  }
  SECTION("a name size past the end") {
    auto error = build_id_error("malformed-notes/name-size-past-end.notes");
    CHECK(error.code() == "notes_truncated");
    CHECK_THAT(error.message(), Catch::Contains("name size 4096 runs past the end (4 bytes left)"));
  }
  SECTION("a desc size of 0xffffffff does not wrap around") {
    auto error = build_id_error("malformed-notes/desc-size-huge.notes");
    CHECK(error.code() == "notes_truncated");
    CHECK_THAT(error.message(), Catch::Contains("desc size 4294967295 runs past the end"));
  }
  SECTION("a build-id cut short") {
    auto error = build_id_error("malformed-notes/truncated-desc.notes");
    CHECK(error.code() == "notes_truncated");
    CHECK_THAT(error.message(), Catch::Contains("desc size 20"));
  }
  SECTION("notes without a GNU build-id") {
    auto error = build_id_error("malformed-notes/no-build-id.notes");
    CHECK(error.code() == "build_id_missing");
    CHECK_THAT(error.message(), Catch::Contains("no GNU build-id note among 4 notes"));
  }
  SECTION("a name without its NUL") {
    auto error = build_id_error("malformed-notes/name-not-nul-terminated.notes");
    CHECK(error.code() == "notes_malformed");
  }
  SECTION("an empty build-id") {
    auto error = build_id_error("malformed-notes/empty-build-id.notes");
    CHECK(error.code() == "build_id_invalid");
    CHECK_THAT(error.message(), Catch::Contains("0 bytes"));
  }
}

TEST_CASE("an empty note section has no build-id") {
  auto build_id = hotsplice::gnu_build_id_from_notes({}, "empty");
  REQUIRE_FALSE(build_id);
  CHECK(build_id.error().code() == "build_id_missing");
}

TEST_CASE("every truncation of the real notes is refused without reading past the end") {
  // Under AddressSanitizer each prefix lives in its own exactly-sized heap buffer, so an
  // overread at any cut would abort the test.
  auto real = fixture_bytes("host-6.18.44-fc/sys/kernel/notes");
  for (std::size_t length = 1; length < real.size(); ++length) {
    std::vector<std::uint8_t> prefix(real.begin(), real.begin() + static_cast<long>(length));
    auto notes = hotsplice::parse_elf_notes(prefix, "prefix");
    // A cut exactly between two notes is a valid, shorter sequence.
    bool at_note_boundary = length == 36 || length == 60 || length == 112 || length == 140;
    CHECK(notes.has_value() == at_note_boundary);
  }
}

TEST_CASE("two different build-ids are ambiguous and refused") {
  auto real = fixture_bytes("host-6.18.44-fc/sys/kernel/notes");
  std::vector<std::uint8_t> doubled(real.begin(), real.begin() + 36);
  doubled.insert(doubled.end(), real.begin(), real.begin() + 36);
  doubled.back() ^= 0xff;
  auto build_id = hotsplice::gnu_build_id_from_notes(doubled, "doubled");
  REQUIRE_FALSE(build_id);
  CHECK(build_id.error().code() == "build_id_invalid");
}
