#include "cli/command.h"

#include "core/base/outside_text.h"

namespace hotsplice::cli {

int report_error(CommandContext& context, const std::string& what, const Error& error) {
  // Messages quote outside text (paths, names read from files): never raw to a terminal.
  context.err << "hotsplice: " << terminal_text(what) << ": " << terminal_text(error.message())
              << " [" << terminal_text(error.code()) << "]\n";
  return error.code() == "usage" ? kExitUsage : kExitFailure;
}

}  // namespace hotsplice::cli
