// The daemon's outer loop: find the port (waiting for it to be plugged in), wait for the
// host side to open it, serve it, and start over after every disconnect, forever or, with
// --once, until one session ended.
#pragma once

#include "core/base/log.h"
#include "guestagent/options.h"
#include "guestagent/session.h"
#include "guestagent/signals.h"

namespace hotsplice::guestd {

// Returns the process exit code.
int run_agent(const Options& options, Session& session, Signals& signals, const Logger& log);

}  // namespace hotsplice::guestd
