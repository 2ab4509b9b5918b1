// hotsplice-build's command line on hostile objects, in process: clear errors with the
// right exit status, and output that is valid JSON and safe for a terminal.
#include <catch2/catch.hpp>

#include <sstream>

#include "core/base/file_io.h"
#include "core/base/json_reader.h"
#include "core/base/outside_text.h"
#include "kmod/build/command_line.h"
#include "kmod/elfdiff/tests/compile_fixture.h"
#include "tests/support/temp_dir.h"

using hotsplice::testing::TempDir;

namespace {

struct Run {
  int exit_code;
  std::string out;
  std::string err;
};

Run run(const std::vector<std::string>& arguments) {
  std::ostringstream out, err;
  const int exit_code = hotsplice::build::run_command(arguments, out, err);
  return {exit_code, out.str(), err.str()};
}

std::string hostile(const char* name) {
  return (std::filesystem::path(HOTSPLICE_HOSTILE_FIXTURES) / name).string();
}

}  // namespace

TEST_CASE("objects with a relocation table of entry size 0 is an error, not 'no change'") {
  auto result =
      run({"objects", hostile("rela-entsize-0-before.o"), hostile("rela-entsize-0-after.o")});
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.err, Catch::Contains(".rela.text has entry size 0, not 24 [invalid_object]"));
  CHECK(result.out.empty());
}

TEST_CASE("objects with an addend of INT64_MAX is an invalid object") {
  const std::string file = hostile("reloc-addend-int64-max.o");
  auto result = run({"objects", file, file});
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.err,
             Catch::Contains("addend out of range") && Catch::Contains("[invalid_object]"));
}

TEST_CASE("objects with odd symbol names prints valid JSON and escaped text") {
  TempDir directory;
  auto pair =
      hotsplice::elfdiff::testing::compile_fixture_pair("body_change", directory.path(), true);
  REQUIRE(pair);
  // Rename add_one to "\xe9\x1b[_one": not UTF-8, and the start of an ANSI sequence.
  for (const auto& path : {pair->before, pair->after}) {
    auto content = hotsplice::read_file(path, 1 << 20);
    REQUIRE(content);
    const std::size_t at = content->find(std::string("\0add_one\0", 9));
    REQUIRE(at != std::string::npos);
    content->replace(at + 1, 3, "\xe9\x1b[");
    REQUIRE(hotsplice::write_file_atomically(path, *content));
  }
  auto json_run = run({"objects", "--json", pair->before.string(), pair->after.string()});
  INFO(json_run.err);
  CHECK(json_run.exit_code == 0);
  auto json = hotsplice::parse_json(json_run.out, "report");
  REQUIRE(json);
  CHECK_THAT(json_run.out, Catch::Contains("\\\\xe9"));
  auto text_run = run({"objects", pair->before.string(), pair->after.string()});
  CHECK(text_run.exit_code == 0);
  CHECK(text_run.out.find('\x1b') == std::string::npos);
  CHECK(hotsplice::is_valid_utf8(text_run.out));
}

TEST_CASE("kernel with a diff to a header is a refusal (exit 2) found before any build") {
  // The header's other users cannot be listed yet; patching only the named files would
  // leave them unpatched. A refusal, not an error: the input is fine, the change is not
  // patchable yet.
  TempDir dir;
  const auto diff = dir.write("header.diff",
                              "--- a/include/linux/foo.h\n+++ b/include/linux/foo.h\n"
                              "@@ -1 +1 @@\n-a\n+b\n");
  const auto result = run({"kernel", "--source", (dir / "absent.tar.xz").string(), "--config",
                           (dir / "absent.config").string(), "--patch", diff.string(), "--output",
                           (dir / "out").string()});
  INFO(result.err);
  CHECK(result.exit_code == 2);
  CHECK(result.err.find("[unsupported_patch]") != std::string::npos);
  CHECK(result.err.find("include/linux/foo.h") != std::string::npos);
}
