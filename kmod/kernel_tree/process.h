// Runs a build tool (tar, make, cp, patch) with its output appended to a log file, so a
// failure can be reported with the log's tail instead of flooding the caller's terminal.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/base/expected.h"

namespace hotsplice::kernel_tree {

// Runs argv[0] (looked up in PATH) in directory; fails with "command_failed" naming the
// command, its exit status and the last lines of the log.
Status run_logged(const std::vector<std::string>& argv, const std::filesystem::path& directory,
                  const std::filesystem::path& log);

// Runs a command and returns its standard output (bounded), for short queries.
Expected<std::string> capture_output(const std::vector<std::string>& argv,
                                     const std::filesystem::path& directory);

}  // namespace hotsplice::kernel_tree
