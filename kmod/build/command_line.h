// The hotsplice-build command without main(): parses arguments, runs the comparison or the
// kernel build, prints the report, and returns the exit status (testable in-process).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace hotsplice::build {

int run_command(const std::vector<std::string>& arguments, std::ostream& out, std::ostream& err);

}  // namespace hotsplice::build
