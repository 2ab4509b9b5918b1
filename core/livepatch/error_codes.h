// Error codes of core/livepatch (the kernel's /sys/kernel/livepatch interface). Declared
// once here. Values the kernel shows that do not parse are kernel::errc::kInvalidValue.
#pragma once

namespace hotsplice::livepatch::errc {

// No /sys/kernel/livepatch/<name>: the patch is not loaded (or livepatch is not built in).
inline constexpr char kLivepatchNotFound[] = "livepatch_not_found";
// A transition that did not finish within its bound (a task sleeping in a patched function).
inline constexpr char kTransitionStalled[] = "transition_stalled";

}  // namespace hotsplice::livepatch::errc
