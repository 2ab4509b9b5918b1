// The commands that talk to hotsplice-hostd through its control socket
// (/run/hotsplice/hostd.sock, or --socket PATH, or $HOTSPLICE_HOSTD_SOCKET). When hostd is
// not running each prints a clear message and exits 1.
#pragma once

#include <string>

#include "cli/command.h"
#include "core/base/json_reader.h"

namespace hotsplice::cli {

int run_status(CommandContext& context);    // hotsplice status [--json]
int run_guests(CommandContext& context);    // hotsplice guests [--json]
int run_guest(CommandContext& context);     // hotsplice guest ID [--json]
int run_uname(CommandContext& context);     // hotsplice uname [--json]
int run_apply(CommandContext& context);     // hotsplice apply GUEST [PATCH]
int run_rollback(CommandContext& context);  // hotsplice rollback GUEST PATCH
int run_rollout(CommandContext& context);   // hotsplice rollout status|pause|resume [--json]

// What `hotsplice apply` tells the operator about hostd's answer (RolloutEngine::request_apply:
// {"guest", "queued": [ids], "nothing_queued": null | {"code", "message"}}).
struct ApplyOutcome {
  std::string line;  // one line for humans, with its newline
  // kExitOk when something was queued or everything asked for is already live
  // (hostd::errc::kAlreadyLive); kExitFailure when nothing is or will be live by this request
  // (no bundle for its kernel, held by its pin, or an answer that gives no reason).
  int exit_code = kExitOk;
};
ApplyOutcome describe_apply_answer(const Json& answer);

}  // namespace hotsplice::cli
