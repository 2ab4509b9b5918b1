// The generic fallback: any process whose PID namespace differs from the host's (PID 1's)
// belongs to a container, whatever runtime started it (unshare, systemd-nspawn, runtimes
// we have no reader for). Reads the root/proc/<pid>/ns/pid links; a recorded tree can
// hold them as symlinks.
#pragma once

#include <filesystem>

#include "core/base/expected.h"
#include "integrations/openvz/container.h"

namespace hotsplice::openvz {

// One container per PID namespace other than root/proc/1/ns/pid's: id is the link text
// ("pid:[4026532201]"), name the comm of its lowest-numbered process, status running,
// hostname that of its UTS namespace (read by joining it from a thread: needs CAP_SYS_ADMIN;
// empty without it and in recorded trees). Processes
// that exit during the scan are passed over; a link of another form is a warning. Fails
// ("io_error") only when root/proc/1/ns/pid cannot be read: without it nothing can be
// told apart. A namespace whose lowest process's cgroup (root/proc/<pid>/cgroup) names
// one of known (a Docker/Podman id, an LXC name, an OpenVZ CTID or UUID) is that
// container, already listed, and is left out.
Expected<ContainerList> find_pid_namespace_containers(const std::filesystem::path& root,
                                                      const std::vector<Container>& known = {});

}  // namespace hotsplice::openvz
