// Where an agent runs, and whether it may patch the kernel from there. Both agents detect
// it (container_detection.h, host_detection.h), the apply component refuses by it, and the
// wire protocol carries it in hello messages (core/protocol depends on this, never the
// other way round).
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <utility>

#include "core/base/expected.h"

namespace hotsplice::platform {

// technology names the mechanism when known: "kvm", "xen", "openvz", "lxc", ...; empty
// when unknown. A default-constructed Environment is unknown, and unknown never may patch:
// forgetting to detect must not turn into loading modules.
struct Environment {
  enum class Kind { unknown, vm, container, bare_metal };
  Kind kind = Kind::unknown;
  std::string technology;
  bool operator==(const Environment&) const = default;
};

// The one spelling of each kind, for the wire protocol and logs alike.
inline constexpr std::array<std::pair<Environment::Kind, const char*>, 4> kEnvironmentKindNames{
    {{Environment::Kind::unknown, "unknown"},
     {Environment::Kind::vm, "vm"},
     {Environment::Kind::container, "container"},
     {Environment::Kind::bare_metal, "bare_metal"}}};

const char* kind_name(Environment::Kind kind);

// "vm (kvm)", "container (openvz)", "bare_metal", "unknown".
std::string describe(const Environment& environment);

// A shared-kernel container (OpenVZ/Virtuozzo, LXC, Docker, Podman, nspawn): the kernel is
// the host's, and only the host may patch it.
bool is_shared_kernel_container(const Environment& environment);

// OK for a VM or bare metal (its own kernel). Otherwise errc::kSharedKernelContainer ("run
// hotsplice-hostd on the node") or errc::kEnvironmentUnknown; evidence (may be empty) is
// quoted in the message so logs show why.
Status check_may_patch(const Environment& environment, std::string_view evidence);

}  // namespace hotsplice::platform
