// What `hotsplice-hostd --check-config` says about a config: the refusals a start gives
// before it runs (so "FILE: OK" is said only for a config a start accepts) and what a start
// accepts but runs degraded, each warning naming its config key. Reads the config's files
// and this machine's environment (host.root); writes nothing.
#pragma once

#include <string>
#include <vector>

#include "core/base/expected.h"
#include "core/platform/host_detection.h"
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

// Daemon::start's first host check, shared with check_start: host.patch_kernel "on" is
// refused where the host's kernel may not be patched (check_may_patch_kernel's codes, e.g.
// shared_kernel_container); "auto" and "off" always pass here.
Status check_patch_kernel_setting(const HostdConfig& config, const platform::HostReport& host);

}  // namespace hotsplice::hostd
