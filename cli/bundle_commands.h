// `hotsplice bundle keygen|sign|verify|inspect`: making and checking signed live-patch
// bundles by hand, the way an operator or a build pipeline does.
#pragma once

#include "cli/command.h"

namespace hotsplice::cli {

int run_bundle_keygen(CommandContext& context);
int run_bundle_sign(CommandContext& context);
int run_bundle_verify(CommandContext& context);
int run_bundle_inspect(CommandContext& context);

}  // namespace hotsplice::cli
