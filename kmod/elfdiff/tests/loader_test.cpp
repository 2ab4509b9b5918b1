// The loader reads untrusted files: every failure must be an Error naming the file.
#include <catch2/catch.hpp>

#include "core/base/file_io.h"
#include "kmod/elfdiff/elf_object.h"
#include "kmod/elfdiff/tests/compile_fixture.h"
#include "tests/support/temp_dir.h"

using hotsplice::elfdiff::ElfObject;
using hotsplice::testing::TempDir;

TEST_CASE("a missing file is an io error naming it") {
  auto object = ElfObject::load("/nonexistent/object.o");
  REQUIRE_FALSE(object);
  CHECK(object.error().code() == "io_error");
  CHECK_THAT(object.error().message(), Catch::Contains("/nonexistent/object.o"));
}

TEST_CASE("a file that is not ELF is refused with its name") {
  TempDir directory;
  auto path = directory.write("junk.o", "this is not an object file at all");
  auto object = ElfObject::load(path);
  REQUIRE_FALSE(object);
  CHECK(object.error().code() == "invalid_object");
  CHECK_THAT(object.error().message(), Catch::Contains("junk.o") && Catch::Contains("not an ELF"));
}

TEST_CASE("every truncation of a real object fails cleanly or loads") {
  TempDir directory;
  auto pair =
      hotsplice::elfdiff::testing::compile_fixture_pair("body_change", directory.path(), true);
  REQUIRE(pair);
  auto content = hotsplice::read_file(pair->before, 1 << 20);
  REQUIRE(content);
  REQUIRE(ElfObject::load(pair->before));
  for (std::size_t length = 0; length < content->size(); length += 7) {
    auto path = directory.write("cut.o", content->substr(0, length));
    auto object = ElfObject::load(path);
    if (!object) CHECK_THAT(object.error().message(), Catch::Contains("cut.o"));
  }
}

TEST_CASE("corrupted bytes never crash the loader") {
  TempDir directory;
  auto pair =
      hotsplice::elfdiff::testing::compile_fixture_pair("jump_table", directory.path(), true);
  REQUIRE(pair);
  auto content = hotsplice::read_file(pair->before, 1 << 20);
  REQUIRE(content);
  std::uint32_t state = 12345;
  for (int round = 0; round < 300; ++round) {
    std::string mutated = *content;
    for (int flips = 0; flips < 4; ++flips) {
      state = state * 1103515245 + 12345;
      mutated[(state >> 8) % mutated.size()] = static_cast<char>(state >> 3);
    }
    auto path = directory.write("mutated.o", mutated);
    auto object = ElfObject::load(path);
    if (!object) CHECK(object.error().code() == "invalid_object");
  }
}
