#include <catch2/catch.hpp>

#include "core/kernel/kernel_file.h"
#include "tests/support/temp_dir.h"

using hotsplice::testing::TempDir;

TEST_CASE("read_kernel_line strips exactly one trailing newline") {
  TempDir dir;
  CHECK(*hotsplice::read_kernel_line(dir.write("a", "6.1.0-56-amd64\n"), 64) == "6.1.0-56-amd64");
  CHECK(*hotsplice::read_kernel_line(dir.write("b", "no newline"), 64) == "no newline");
  auto two = hotsplice::read_kernel_line(dir.write("c", "value\n\n"), 64);
  REQUIRE_FALSE(two);
  CHECK(two.error().code() == "invalid_value");
}

TEST_CASE("read_kernel_line refuses empty, oversized and multi-line values naming the file") {
  TempDir dir;
  auto empty = hotsplice::read_kernel_line(dir.write("empty", ""), 64);
  REQUIRE_FALSE(empty);
  CHECK(empty.error().code() == "empty_value");
  CHECK_THAT(empty.error().message(), Catch::Contains("empty"));

  auto newline_only = hotsplice::read_kernel_line(dir.write("newline", "\n"), 64);
  REQUIRE_FALSE(newline_only);
  CHECK(newline_only.error().code() == "empty_value");

  auto exact = hotsplice::read_kernel_line(dir.write("exact", std::string(64, 'x') + "\n"), 64);
  CHECK(exact);
  auto oversized = hotsplice::read_kernel_line(dir.write("big", std::string(65, 'x')), 64);
  REQUIRE_FALSE(oversized);
  CHECK(oversized.error().code() == "value_too_long");
  CHECK_THAT(oversized.error().message(), Catch::Contains("big") && Catch::Contains("64"));
  auto huge = hotsplice::read_kernel_line(dir.write("huge", std::string(1 << 20, 'x')), 64);
  REQUIRE_FALSE(huge);
  CHECK(huge.error().code() == "value_too_long");

  auto binary = hotsplice::read_kernel_line(dir.write("nul", std::string("a\0b", 3)), 64);
  REQUIRE_FALSE(binary);
  CHECK(binary.error().code() == "invalid_value");
  CHECK_THAT(binary.error().message(), Catch::Contains("nul") && Catch::Contains("\\x00"));
}

TEST_CASE("read_kernel_line names a missing file and the errno text") {
  TempDir dir;
  auto missing = hotsplice::read_kernel_line(dir / "absent", 64);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == "io_error");
  CHECK_THAT(missing.error().message(),
             Catch::Contains("absent") && Catch::Contains("No such file or directory"));
}

TEST_CASE("read_kernel_flag accepts 0 and 1 and quotes anything else") {
  TempDir dir;
  CHECK(*hotsplice::read_kernel_flag(dir.write("one", "1\n")) == true);
  CHECK(*hotsplice::read_kernel_flag(dir.write("zero", "0\n")) == false);
  for (const char* garbage : {"2\n", "yes\n", " 1\n", "1 \n", "01x\n"}) {
    auto flag = hotsplice::read_kernel_flag(dir.write("enabled", garbage));
    REQUIRE_FALSE(flag);
    CHECK(flag.error().code() == "invalid_value");
    CHECK_THAT(flag.error().message(),
               Catch::Contains("enabled") && Catch::Contains("expected an integer from 0 to 1"));
  }
}

TEST_CASE("read_kernel_integer reads negative values within bounds") {
  TempDir dir;
  CHECK(*hotsplice::read_kernel_integer(dir.write("patch_state", "-1\n"), -1, 1) == -1);
  auto below = hotsplice::read_kernel_integer(dir.write("patch_state", "-2\n"), -1, 1);
  REQUIRE_FALSE(below);
  CHECK(below.error().code() == "invalid_value");
  auto overflow =
      hotsplice::read_kernel_integer(dir.write("n", "99999999999999999999999\n"), -1, 1);
  REQUIRE_FALSE(overflow);
  CHECK(overflow.error().code() == "invalid_value");
}

TEST_CASE("write_kernel_value writes the value in place and names a missing target") {
  TempDir dir;
  auto path = dir.write("signal", "");
  REQUIRE(hotsplice::write_kernel_value(path, "1"));
  CHECK(*hotsplice::read_kernel_line(path, 4) == "1");
  auto missing = hotsplice::write_kernel_value(dir / "nope/enabled", "0");
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.error().message(), Catch::Contains("open") &&
                                            Catch::Contains("nope/enabled") &&
                                            Catch::Contains("No such file or directory"));
}
