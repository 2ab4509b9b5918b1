// Runs a hotsplice subcommand in process and captures what it printed.
#pragma once

#include <sstream>
#include <string>
#include <vector>

#include "cli/command.h"

namespace hotsplice::cli::testing {

struct CommandRun {
  int exit_code;
  std::string out;
  std::string err;
};

inline CommandRun run(int (*command)(CommandContext&), std::vector<std::string> arguments) {
  std::ostringstream out;
  std::ostringstream err;
  CommandContext context{std::move(arguments), out, err};
  int exit_code = command(context);
  return {exit_code, out.str(), err.str()};
}

}  // namespace hotsplice::cli::testing
