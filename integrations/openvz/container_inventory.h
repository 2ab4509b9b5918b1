// Every container on this host, from every source present, each marked with the kernel it
// runs on: the host's. This is what hostd reports as covered once the host kernel is
// patched. Real commands and sockets are used only when present; every source's failure is
// a warning in the list, never the end of the others.
#pragma once

#include <chrono>
#include <filesystem>

#include "core/base/expected.h"
#include "integrations/openvz/container.h"

namespace hotsplice::openvz {

struct InventoryOptions {
  std::filesystem::path root = "/";  // a recorded tree in tests
  // Run prlctl, else vzlist, when found on PATH (only sensible with root "/").
  bool run_tools = true;
  // Ask the Docker (root/run/docker.sock) and Podman (root/run/podman/podman.sock) APIs
  // when their sockets exist.
  bool query_apis = true;
  std::chrono::milliseconds api_timeout{5000};
};

// OpenVZ/Virtuozzo (prlctl or vzlist, falling back to /proc/vz/veinfo and /etc/vz/conf),
// LXC, Docker, Podman, then any other PID namespace. Fails only when the host kernel's
// identity cannot be read (root/proc/sys/kernel, root/sys/kernel/notes): without it no
// container's kernel can be told truthfully.
Expected<ContainerList> enumerate_containers(const InventoryOptions& options);

}  // namespace hotsplice::openvz
