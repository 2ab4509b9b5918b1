// hotsplice-build patch (one before/after object pair to a live patch module) and the
// module step of hotsplice-build kernel (every object the diff touched).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "kmod/build/arguments.h"
#include "kmod/elfdiff/report.h"

namespace hotsplice::build {

// Options both commands take to build the module and, optionally, the bundle.
inline const std::vector<std::string> kModuleOptions = {
    "--name", "--release", "--kernel-build", "--kallsyms", "--hooks",       "--bundle",
    "--key",  "--id",      "--description",  "--cve",      "--target-image"};

int run_patch(const std::vector<std::string>& arguments, std::ostream& out, std::ostream& err);

// After a kernel session found changes: builds the module from output/before and
// output/after when --name was given. Returns the exit status.
int build_module_for_session(const ParsedArguments& parsed,
                             const std::vector<elfdiff::ObjectReport>& reports,
                             const std::string& output, std::ostream& out, std::ostream& err);

}  // namespace hotsplice::build
