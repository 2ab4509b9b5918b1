// hotsplice-build patch (one before/after object pair to a live patch module) and the
// module step of hotsplice-build kernel (every object the diff touched).
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/base/arguments.h"
#include "kmod/elfdiff/report.h"

namespace hotsplice::build {

// Options both commands take to build the module and, optionally, the bundle.
inline const std::vector<OptionSpec> kModuleOptions = {
    {"name"}, {"release"}, {"kernel-build"}, {"kallsyms"},        {"hooks"},       {"bundle"},
    {"key"},  {"id"},      {"description"},  {"cve", true, true}, {"target-image"}};

// Parses the arguments after the subcommand; prints the problem and returns nullopt when
// the command line is wrong.
std::optional<Arguments> parse_arguments(const std::vector<std::string>& arguments,
                                         std::vector<OptionSpec> specs, std::size_t max_positionals,
                                         std::ostream& err);

int run_patch(const std::vector<std::string>& arguments, std::ostream& out, std::ostream& err);

// After a kernel session found changes: builds the module from output/before and
// output/after when --name was given. Returns the exit status.
int build_module_for_session(const Arguments& parsed,
                             const std::vector<elfdiff::ObjectReport>& reports,
                             const std::string& output, std::ostream& out, std::ostream& err);

}  // namespace hotsplice::build
