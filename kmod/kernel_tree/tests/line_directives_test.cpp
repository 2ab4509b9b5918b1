// #line directives keep unchanged code on its old line numbers: text-level cases, then a
// real one compiled by gcc and compared by elfdiff.
#include <catch2/catch.hpp>

#include "core/base/file_io.h"
#include "core/base/subprocess.h"
#include "kmod/elfdiff/comparison.h"
#include "kmod/kernel_tree/line_directives.h"
#include "tests/support/temp_dir.h"

using namespace hotsplice::kernel_tree;

TEST_CASE("diff -U0 hunk headers are read, with and without counts") {
  auto hunks = line_hunks_of("--- a\n+++ b\n@@ -3,0 +4,2 @@\n+x\n+y\n@@ -10 +12 @@\n-a\n+b\n");
  REQUIRE(hunks);
  REQUIRE(hunks->size() == 2);
  CHECK((*hunks)[0].old_start == 3);
  CHECK((*hunks)[0].old_count == 0);
  CHECK((*hunks)[0].new_start == 4);
  CHECK((*hunks)[0].new_count == 2);
  CHECK((*hunks)[1].old_count == 1);
  CHECK((*hunks)[1].new_start == 12);
  auto bad = line_hunks_of("@@ -x +1 @@\n");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == "invalid_patch");
}

TEST_CASE("lines after an insertion get their old numbers back") {
  // Two lines inserted after line 2 of a five-line file.
  const std::string patched = "a\nb\nnew1\nnew2\nc\nd\ne\n";
  CHECK(with_line_directives(patched, {{2, 0, 3, 2}}) == "a\nb\nnew1\nnew2\n#line 3\nc\nd\ne\n");
  // A one-for-one replacement needs nothing.
  CHECK(with_line_directives("a\nX\nc\n", {{2, 1, 2, 1}}) == "a\nX\nc\n");
  // A deletion of line 2.
  CHECK(with_line_directives("a\nc\n", {{2, 1, 1, 0}}) == "a\n#line 3\nc\n");
}

TEST_CASE("a directive never lands inside a comment or a macro continuation") {
  // Right before a comment is fine; inside a comment or a macro continuation it moves down.
  CHECK(with_line_directives("int x;\nint added;\n/* open\n close */\nint y;\n", {{1, 0, 2, 1}}) ==
        "int x;\nint added;\n#line 2\n/* open\n close */\nint y;\n");
  const std::string in_macro = "#define M(a) \\\n  added \\\n  ((a) + 1)\nint y;\n";
  CHECK(with_line_directives(in_macro, {{1, 0, 2, 1}}) ==
        "#define M(a) \\\n  added \\\n  ((a) + 1)\n#line 3\nint y;\n");
  const std::string in_comment = "/* a\n added\n b */\nint y;\n";
  CHECK(with_line_directives(in_comment, {{1, 0, 2, 1}}) ==
        "/* a\n added\n b */\n#line 3\nint y;\n");
}

TEST_CASE("an edit above a function that uses __LINE__ leaves that function unchanged") {
  hotsplice::testing::TempDir directory;
  const auto dir = directory.path();
  const std::string original =
      "extern void __might_sleep(const char *file, int line);\n"
      "int edited(int x)\n{\n\treturn x + 1;\n}\n"
      "void below(void)\n{\n\t__might_sleep(\"f.c\", __LINE__);\n}\n";
  const std::string patched =
      "extern void __might_sleep(const char *file, int line);\n"
      "int edited(int x)\n{\n\tif (x < 0)\n\t\treturn 0;\n\treturn x + 2;\n}\n"
      "void below(void)\n{\n\t__might_sleep(\"f.c\", __LINE__);\n}\n";
  REQUIRE(hotsplice::ensure_directory(dir / "before"));
  REQUIRE(hotsplice::ensure_directory(dir / "after"));
  REQUIRE(hotsplice::write_file_atomically(dir / "before/f.c", original));
  REQUIRE(hotsplice::write_file_atomically(dir / "after/f.c", patched));
  auto status = add_line_directives(dir / "after/f.c", original, dir / "scratch/original.c");
  INFO((status ? std::string() : status.error().message()));
  REQUIRE(status);
  CHECK_FALSE(std::filesystem::exists(dir / "scratch/original.c"));
  for (const char* side : {"before", "after"}) {
    auto compiled = hotsplice::run_checked(hotsplice::SubprocessSpec(
        {"gcc", "-O2", "-ffunction-sections", "-fdata-sections", "-fno-pie", "-c",
         (dir / side / "f.c").string(), "-o", (dir / side / "f.o").string()}));
    INFO((compiled ? std::string() : compiled.error().message()));
    REQUIRE(compiled);
  }
  auto report =
      hotsplice::elfdiff::compare_object_files(dir / "before/f.o", dir / "after/f.o", "f.o", {});
  REQUIRE(report);
  CHECK(report->changed_functions == std::vector<std::string>{"edited"});
}
