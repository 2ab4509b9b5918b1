// Runs a program (no shell) and waits for it: for tests that compile fixtures with gcc or
// drive a command-line tool. A test-friendly face of core/base/subprocess.h.
#pragma once

#include <string>
#include <vector>

namespace hotsplice::testing {

struct ProcessResult {
  int exit_code = -1;  // -1 when the program could not be started or was killed
  std::string output;  // stdout and stderr, interleaved
};

ProcessResult run_process(const std::vector<std::string>& argv);

}  // namespace hotsplice::testing
