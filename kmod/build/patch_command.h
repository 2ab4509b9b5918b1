// hotsplice-build patch (one before/after object pair to a live patch module) and the
// module step of hotsplice-build kernel (every object the diff touched).
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
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

// The option's value as an absolute path (relative to the working directory the command was
// started in: later steps run make and patch in other directories), or an empty path when
// the option is absent.
std::filesystem::path path_option(const Arguments& parsed, const std::string& name);

// Prints "hotsplice-build: [context: ]<message> [<code>]" with outside text escaped, and
// returns the exit status: 2 for a refusal (the change cannot be live-patched), else 1.
int report_failure(const Error& error, std::string_view context, std::ostream& err);

int run_patch(const std::vector<std::string>& arguments, std::ostream& out, std::ostream& err);

// What `kernel --release` found for the target, used when the option is not given.
struct ModuleDefaults {
  std::filesystem::path kallsyms;      // symbol positions (read from the image)
  std::filesystem::path target_image;  // the release's vmlinuz
  std::filesystem::path kernel_build;  // the release's Kbuild tree (installed or downloaded)
};

// After a kernel session found changes: builds the module from output/before and
// output/after when --name was given. Returns the exit status.
int build_module_for_session(const Arguments& parsed,
                             const std::vector<elfdiff::ObjectReport>& reports,
                             const std::string& output, const ModuleDefaults& defaults,
                             std::ostream& out, std::ostream& err);

}  // namespace hotsplice::build
