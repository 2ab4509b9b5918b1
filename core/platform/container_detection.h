// Where is this process running: a VM (its own kernel), a shared-kernel container (OpenVZ/
// Virtuozzo, LXC, Docker, podman, systemd-nspawn: the host's kernel, which only the host
// may patch), or bare metal. Every reader takes root, which stands for "/", so tests and
// tools can point it at a recorded or hand-made tree.
#pragma once

#include <filesystem>
#include <string>

#include "core/platform/environment.h"

namespace hotsplice {

struct PlatformReport {
  platform::Environment environment;  // never unknown: bare metal when nothing else matched
  std::string evidence;  // what decided it, for logs: "/proc/vz without /proc/bc", ...
};

// Container checks first (a container inside a VM is still a container: it must not load
// modules), then hypervisor hints; anything else is bare metal.
PlatformReport detect_platform(const std::filesystem::path& root);

}  // namespace hotsplice
