// Every case compiles a fixture pair with gcc now, with and without -pg -mfentry, and
// asserts the whole report: what changed, what is new, what is refused and the outcome.
#include <catch2/catch.hpp>

// Expectations name only the fields that are not empty (gcc 12 warns on designated
// initialisers that leave defaulted members out).
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include "kmod/elfdiff/comparison.h"
#include "kmod/elfdiff/tests/compile_fixture.h"
#include "tests/support/temp_dir.h"

using hotsplice::elfdiff::CompareOptions;
using hotsplice::elfdiff::ObjectReport;
using hotsplice::elfdiff::Outcome;
using hotsplice::testing::TempDir;
using Names = std::vector<std::string>;

namespace {

struct ExpectedReport {
  Names changed_functions;
  Names new_functions;
  Names removed_functions;
  Names changed_data;
  Names new_data;
  Names refusal_reasons;
  Outcome outcome = Outcome::changes;
};

ObjectReport diff_fixture(const std::string& name, bool fentry, CompareOptions options = {}) {
  TempDir directory;
  auto pair = hotsplice::elfdiff::testing::compile_fixture_pair(name, directory.path(), fentry);
  INFO((pair ? std::string() : pair.error().message()));
  REQUIRE(pair);
  auto report = hotsplice::elfdiff::compare_object_files(pair->before, pair->after, name, options);
  INFO((report ? std::string() : report.error().message()));
  REQUIRE(report);
  return *report;
}

void check_report(const ObjectReport& report, const ExpectedReport& expected) {
  INFO(hotsplice::elfdiff::report_to_text({report}));
  CHECK(report.changed_functions == expected.changed_functions);
  CHECK(report.new_functions == expected.new_functions);
  CHECK(report.removed_functions == expected.removed_functions);
  CHECK(report.changed_data == expected.changed_data);
  CHECK(report.new_data == expected.new_data);
  Names reasons;
  for (const auto& refusal : report.refusals) reasons.push_back(refusal.reason);
  CHECK(reasons == expected.refusal_reasons);
  CHECK(hotsplice::elfdiff::outcome_of({report}) == expected.outcome);
}

}  // namespace

TEST_CASE("a changed function body is reported and its neighbour is not") {
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("body_change", fentry), {.changed_functions = {"add_one"}});
}

TEST_CASE("a new static function is new and its caller changed") {
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("new_static_function", fentry),
               {.changed_functions = {"report_value"}, .new_functions = {"clamp_value"}});
}

TEST_CASE("a changed static function inlined into two callers changes both callers") {
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("inlined_static", fentry),
               {.changed_functions = {"first_caller", "second_caller"}});
}

TEST_CASE("a changed string literal changes only the function that uses it") {
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("string_literal", fentry), {.changed_functions = {"greet"}});
}

TEST_CASE("a static local variable is kept across a change of its function") {
  const bool fentry = GENERATE(false, true);
  // Both functions own a `counter`; their order changed, so gcc renumbered them.
  check_report(diff_fixture("static_local", fentry), {.changed_functions = {"count_events"}});
}

TEST_CASE("a changed .constprop clone is reported under its own name") {
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("constprop_clone", fentry),
               {.changed_functions = {"scale.constprop.0"}});
}

TEST_CASE("a switch with a jump table is compared through its table") {
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("jump_table", fentry), {.changed_functions = {"dispatch"}});
}

TEST_CASE("a changed data initialiser is refused") {
  const bool fentry = GENERATE(false, true);
  const ObjectReport report = diff_fixture("data_initialiser", fentry);
  check_report(report, {.changed_data = {"limits"},
                        .refusal_reasons = {"changed_data_initialiser"},
                        .outcome = Outcome::refused});
  CHECK(report.refusals.front().symbol == "limits");
}

TEST_CASE("a changed data size is refused") {
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("data_size", fentry), {.changed_data = {"limits"},
                                                   .refusal_reasons = {"changed_data_size"},
                                                   .outcome = Outcome::refused});
}

TEST_CASE("a changed __init function is refused") {
  const bool fentry = GENERATE(false, true);
  const ObjectReport report = diff_fixture("init_function", fentry);
  check_report(report, {.changed_functions = {"setup_setting"},
                        .refusal_reasons = {"init_exit_code"},
                        .outcome = Outcome::refused});
  CHECK_THAT(report.refusals.front().message, Catch::Contains(".init.text"));
}

TEST_CASE("a WARN and a might_sleep moved by an edit above them are no change") {
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("moved_warn", fentry), {.outcome = Outcome::no_change});
}

TEST_CASE("identical sources are no change") {
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("no_change", fentry), {.outcome = Outcome::no_change});
}

TEST_CASE("a changed notrace function is refused only when the object uses ftrace") {
  check_report(diff_fixture("notrace_function", true), {.changed_functions = {"fast_path"},
                                                        .refusal_reasons = {"no_ftrace_entry"},
                                                        .outcome = Outcome::refused});
  check_report(diff_fixture("notrace_function", false), {.changed_functions = {"fast_path"}});
}

TEST_CASE("a jump label keyed in the module itself is refused for a module object") {
  check_report(diff_fixture("module_jump_label", true, {.object_is_module = true}),
               {.changed_functions = {"maybe_trace"},
                .refusal_reasons = {"special_section"},
                .outcome = Outcome::refused});
  check_report(diff_fixture("module_jump_label", true), {.changed_functions = {"maybe_trace"}});
}
