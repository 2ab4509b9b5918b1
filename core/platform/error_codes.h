// Error codes of platform detection (hotsplice::platform). Declared once here; call sites
// use these names, never the strings.
#pragma once

namespace hotsplice::platform::errc {

// This process runs in a shared-kernel container: only the host may patch the kernel.
// Both agents refuse with it (core/apply through check_may_patch).
inline constexpr char kSharedKernelContainer[] = "shared_kernel_container";
// Nothing readable says whether this is a host or a container: refuse rather than guess.
inline constexpr char kEnvironmentUnknown[] = "environment_unknown";

}  // namespace hotsplice::platform::errc
