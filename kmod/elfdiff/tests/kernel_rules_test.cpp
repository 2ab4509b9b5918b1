// Rules that apply only to objects from a kernel build that are to become a live patch
// (CompareOptions::requires_ftrace), on fixtures compiled with gcc at test time.
#include <catch2/catch.hpp>

#include "kmod/elfdiff/comparison.h"
#include "kmod/elfdiff/tests/compile_fixture.h"
#include "tests/support/temp_dir.h"

using hotsplice::elfdiff::CompareOptions;
using hotsplice::elfdiff::Outcome;
using hotsplice::testing::TempDir;

namespace {

hotsplice::elfdiff::ObjectReport compare(const std::string& name, bool fentry,
                                         const CompareOptions& options) {
  TempDir directory;
  auto pair = hotsplice::elfdiff::testing::compile_fixture_pair(name, directory.path(), fentry);
  REQUIRE(pair);
  auto report = hotsplice::elfdiff::compare_object_files(pair->before, pair->after, name, options);
  REQUIRE(report);
  return *report;
}

}  // namespace

TEST_CASE("a kernel object built without ftrace is refused, naming why") {
  CompareOptions kernel;
  kernel.requires_ftrace = true;
  auto report = compare("body_change", false, kernel);
  REQUIRE(report.refusals.size() == 1);
  CHECK(report.refusals[0].reason == "object_without_ftrace");
  CHECK(report.refusals[0].symbol == report.changed_functions.at(0));
  CHECK_THAT(report.refusals[0].message, Catch::Contains("CC_FLAGS_FTRACE"));
  CHECK(hotsplice::elfdiff::outcome_of({report}) == Outcome::refused);
  // The same object with ftrace is patchable; an arbitrary pair without is only compared.
  CHECK(compare("body_change", true, kernel).refusals.empty());
  CHECK(compare("body_change", false, {}).refusals.empty());
}
