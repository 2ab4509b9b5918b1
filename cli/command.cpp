#include "cli/command.h"

namespace hotsplice::cli {

int report_error(CommandContext& context, const std::string& what, const Error& error) {
  context.err << "hotsplice: " << what << ": " << error.message() << " [" << error.code() << "]\n";
  return error.code() == "usage" ? kExitUsage : kExitFailure;
}

}  // namespace hotsplice::cli
