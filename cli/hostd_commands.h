// The commands that talk to hotsplice-hostd through its control socket
// (/run/hotsplice/hostd.sock, or --socket PATH, or $HOTSPLICE_HOSTD_SOCKET). When hostd is
// not running each prints a clear message and exits 1.
#pragma once

#include "cli/command.h"

namespace hotsplice::cli {

int run_status(CommandContext& context);    // hotsplice status [--json]
int run_guests(CommandContext& context);    // hotsplice guests [--json]
int run_guest(CommandContext& context);     // hotsplice guest ID [--json]
int run_uname(CommandContext& context);     // hotsplice uname [--json]
int run_apply(CommandContext& context);     // hotsplice apply GUEST [PATCH]
int run_rollback(CommandContext& context);  // hotsplice rollback GUEST PATCH
int run_rollout(CommandContext& context);   // hotsplice rollout status|pause|resume [--json]

}  // namespace hotsplice::cli
