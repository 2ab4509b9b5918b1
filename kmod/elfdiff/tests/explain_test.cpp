// objects --explain: the first difference, decoded side by side.
#include <catch2/catch.hpp>

#include "kmod/elfdiff/explain.h"
#include "kmod/elfdiff/tests/compile_fixture.h"
#include "tests/support/temp_dir.h"

using namespace hotsplice::elfdiff;

namespace {

std::string explain_fixture(const std::string& fixture, const std::string& function) {
  hotsplice::testing::TempDir directory;
  auto pair = testing::compile_fixture_pair(fixture, directory.path(), false);
  REQUIRE(pair);
  auto before = ElfObject::load(pair->before);
  auto after = ElfObject::load(pair->after);
  REQUIRE(before);
  REQUIRE(after);
  auto before_index = ObjectIndex::build(*before);
  auto after_index = ObjectIndex::build(*after);
  REQUIRE(before_index);
  REQUIRE(after_index);
  auto text = explain_function(*before_index, *after_index, function);
  INFO((text ? std::string() : text.error().message()));
  REQUIRE(text);
  return *text;
}

}  // namespace

TEST_CASE("objects --explain shows the first diverging instruction with its targets") {
  const std::string text = explain_fixture("read_mostly_cmp", "mode_is_three");
  INFO(text);
  CHECK_THAT(text, Catch::Contains("mode_is_three: first difference at instruction"));
  // The marked line: the same cmpb, reaching mode_a before and mode_b after.
  CHECK_THAT(text, Catch::Contains("> "));
  CHECK_THAT(text, Catch::Contains("cmpb $0x03"));
  CHECK_THAT(text, Catch::Contains("symbol:mode_a"));
  CHECK_THAT(text, Catch::Contains("symbol:mode_b"));
}

TEST_CASE("objects --explain on an unchanged, a new and an unknown function") {
  CHECK(explain_fixture("new_static_function", "clamp_value").find("new function") !=
        std::string::npos);
  CHECK(explain_fixture("body_change", "untouched") == "untouched: no difference\n");
  hotsplice::testing::TempDir directory;
  auto pair = testing::compile_fixture_pair("body_change", directory.path(), false);
  REQUIRE(pair);
  auto object = ElfObject::load(pair->before);
  REQUIRE(object);
  auto index = ObjectIndex::build(*object);
  REQUIRE(index);
  auto unknown = explain_function(*index, *index, "no_such_function");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code() == "unknown_function");
}
