// What the host agent needs to know about the machine it runs on before it may touch the
// kernel: is it an OpenVZ/Virtuozzo hardware node (one kernel shared by its containers), a
// hypervisor host (VMs with their own kernels), a VM, or inside a container (then it must
// refuse: the node patches the shared kernel)? Every finding is kept as evidence, the file
// and what it said, so logs and the API can show why. Every reader takes root, which stands
// for "/", so tests use recorded trees.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/base/expected.h"
#include "core/platform/environment.h"

namespace hotsplice::platform {

struct Evidence {
  std::string source;   // the file or check, e.g. "/proc/vz/version"
  std::string finding;  // what it said, e.g. "present: 7.0.18-219"
  bool operator==(const Evidence&) const = default;
};

struct HostReport {
  // nullopt: unknown (no /proc to read and no container sign), which never may patch.
  std::optional<platform::Environment> environment;
  bool openvz_node = false;      // OpenVZ/Virtuozzo hardware node: patch once, covers all CTs
  bool hypervisor_host = false;  // runs VMs (KVM, Xen dom0, a libvirt daemon's socket)
  std::vector<Evidence> evidence;
};

// Reads root/proc, root/sys, root/dev and root/run. Never fails: what cannot be read is
// absent evidence. A container sign wins over everything else (a container on a node
// sees some of the node's files); with no container sign and no readable
// root/proc/self/status or root/proc/1/status the environment is unknown.
HostReport detect_host(const std::filesystem::path& root);

// check_may_patch (environment.h) on the report, its evidence quoted: a known environment
// that is not a shared-kernel container may patch; an absent (unknown) one never.
Status check_may_patch_kernel(const HostReport& report);

// "source: finding; source: finding" for logs and error messages.
std::string describe_evidence(const std::vector<Evidence>& evidence);

}  // namespace hotsplice::platform
