// `hotsplice kernel status|identify`: what kernel this is and which live patches it runs,
// and the identity of a kernel image on disk.
#pragma once

#include "cli/command.h"

namespace hotsplice::cli {

int run_kernel_status(CommandContext& context);
int run_kernel_identify(CommandContext& context);

}  // namespace hotsplice::cli
