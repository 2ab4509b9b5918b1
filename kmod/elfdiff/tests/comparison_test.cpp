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

ObjectReport diff_fixture(const std::string& name, bool fentry, CompareOptions options = {},
                          const std::string& compiler = "gcc") {
  TempDir directory;
  auto pair =
      hotsplice::elfdiff::testing::compile_fixture_pair(name, directory.path(), fentry, compiler);
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

// Field cases (/work/shared/field-cases/elfdiff, one fixture each under the case's
// subject) and a sibling of each: the same kind of change in another form.

TEST_CASE("a changed error code next to a __LINE__ argument is a change (field case 01)") {
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("line_errno_arg", fentry),
               {.changed_functions = {"commit_items", "load_bitmap"}});
}

TEST_CASE("another argument register of a line-taking call is a change (sibling of 01)") {
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("line_other_register", fentry), {.changed_functions = {"atomic_work"}});
}

TEST_CASE("only the line register of a line-taking call moved is no change") {
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("line_moved_helper", fentry), {.outcome = Outcome::no_change});
}

TEST_CASE("a returned constant before a ret and a later printk is a change (field case 13)") {
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("line_return_code", fentry), {.changed_functions = {"dev_set_mtu"}});
}

TEST_CASE("a constant stored through a 0xb8 displacement before might_sleep is a change") {
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("line_displacement_byte", fentry),
               {.changed_functions = {"conn_close"}});
}

TEST_CASE("a store moved to a new __read_mostly flag is a change (field case 10)") {
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("read_mostly_flag", fentry), {.changed_functions = {"irq_quiesce"},
                                                          .new_functions = {"irq_is_quiesced"},
                                                          .new_data = {"irq_quiesced"}});
}

TEST_CASE("a cmpb $imm retargeted to the neighbouring flag is a change (sibling of 10)") {
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("read_mostly_cmp", fentry), {.changed_functions = {"mode_is_three"}});
}

TEST_CASE("a removed function-local static shadowing a file-scope one is a change (case 04)") {
  const bool fentry = GENERATE(false, true);
  const ObjectReport report = diff_fixture("static_local_shadow", fentry);
  check_report(report, {.changed_functions = {"dev_reopen"}});
  CHECK(report.removed_data == Names{"open_count.0"});
  // The report says which function let go of it.
  CHECK(report.removed_data_users.at("open_count.0") == std::set<std::string>{"dev_reopen"});
  CHECK(hotsplice::elfdiff::report_to_text({report}).find(
            "removed data      open_count.0 (used before by dev_reopen)") != std::string::npos);
  CHECK(hotsplice::elfdiff::report_to_json(
            {report})["objects"][0]["removed_data_users"]["open_count.0"][0] == "dev_reopen");
}

TEST_CASE("an added function-local static shadowing a file-scope one is a change") {
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("static_local_added", fentry),
               {.changed_functions = {"stats_hit"}, .new_data = {"hits.0"}});
}

TEST_CASE("a changed .part clone called directly is patched in its own right (field case 03)") {
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("part_direct_callers", fentry),
               {.changed_functions = {"item_value.part.0"}});
}

TEST_CASE("a .part clone of a static function keeps its .cold piece (sibling of 03)") {
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("part_cold_static", fentry),
               {.changed_functions = {"item_value.part.0"}});
}

TEST_CASE("__FUNCTION__ moving into a new function is compared by meaning (field case 06)") {
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("function_name_moved", fentry),
               {.changed_functions = {"parse_opts"}, .new_functions = {"validate_opts"}});
}

TEST_CASE("__PRETTY_FUNCTION__ moving into a new function is compared by meaning") {
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("pretty_function_moved", fentry),
               {.changed_functions = {"parse_opts"}, .new_functions = {"validate_opts"}});
}

TEST_CASE("a changed value in a CSWTCH switch table changes the function using it") {
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("switch_table", fentry), {.changed_functions = {"speed_of"}});
}

TEST_CASE("pr_debug's per-site key in a module is not refused (field case 07)") {
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("module_dyndbg", fentry, {.object_is_module = true}),
               {.changed_functions = {"demo_set_rate"}});
}

TEST_CASE("an older __verbose dynamic-debug descriptor in a module is not refused") {
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("module_verbose_dyndbg", fentry, {.object_is_module = true}),
               {.changed_functions = {"demo_set_rate"}});
}

TEST_CASE("a longer string before a WARN changes only its function (field case 14)") {
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("bug_table_string", fentry), {.changed_functions = {"log_level"}});
}

TEST_CASE(
    "a string moved to another string section by an edit elsewhere is no change (sibling "
    "of 14)") {
  // gcc names a merged string section after the first function using it: after the edit,
  // get_limit's unchanged "limit %d" and might_sleep's __FILE__ sit in other sections at
  // other offsets. Described by content, get_limit is unchanged.
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("might_sleep_file_string", fentry),
               {.changed_functions = {"set_limit"}});
}

TEST_CASE("the same string change built by clang changes only its function (sibling of 14)") {
  if (!std::filesystem::exists("/usr/bin/clang")) {
    WARN("SKIPPED: /usr/bin/clang is not installed");
    return;
  }
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("bug_table_string", fentry, {}, "clang"),
               {.changed_functions = {"log_level"}});
}

TEST_CASE("a line-only change of a UBSAN data record is no change") {
  const bool fentry = GENERATE(false, true);
  check_report(diff_fixture("ubsan_line", fentry), {.outcome = Outcome::no_change});
}
