// What `hotsplice-hostd --check-config` says about a config: the refusals a start gives
// before it runs (so "FILE: OK" is said only for a config a start accepts) and what a start
// accepts but runs degraded, each warning naming its config key. Reads the config's files
// and this machine's environment (host.root); writes nothing.
#pragma once

#include <string>
#include <vector>

#include "core/base/expected.h"
#include "hostagent/config.h"

namespace hotsplice::hostd {

struct StartCheckReport {
  Status refusal = Status::ok();      // the first thing a start refuses, with its code
  std::vector<std::string> warnings;  // "<key>: <what a start would do about it>"
};

// The same checks Daemon::start makes before it touches state: check_startable, the
// trusted keys (TrustedKeys::load), host.patch_kernel "on" against the detected environment.
// Not covered: what needs the host's kernel opened (HostKernel::open) or a port bound.
StartCheckReport check_start(const HostdConfig& config);

}  // namespace hotsplice::hostd
