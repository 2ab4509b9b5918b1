// Error codes of the apply component (core/apply): what a refused or failed apply or
// rollback reports, on the wire (guestd's result messages) and in hostd's records.
#pragma once

namespace hotsplice::apply::errc {

// Refusals before anything is loaded.
inline constexpr char kSharedKernelContainer[] = "shared_kernel_container";
inline constexpr char kBundleIdMismatch[] = "bundle_id_mismatch";
inline constexpr char kInvalidName[] = "invalid_name";
inline constexpr char kInvalidId[] = "invalid_id";
inline constexpr char kNotLivepatch[] = "not_livepatch";
inline constexpr char kModuleNameMismatch[] = "module_name_mismatch";
inline constexpr char kModuleAlreadyLoaded[] = "module_already_loaded";
// The trampoline's run-pre check refused: the running code is not what the patch expects.
inline constexpr char kRunPreMismatch[] = "run_pre_mismatch";
// The transition did not finish, even after the fake signal (core/livepatch's code too).
inline constexpr char kTransitionStalled[] = "transition_stalled";
// core/livepatch's answer when the module is already gone: a rollback's goal reached.
inline constexpr char kModuleNotLoaded[] = "module_not_loaded";
// A rollback of a bundle this kernel does not have.
inline constexpr char kNotApplied[] = "not_applied";
// A job of the ApplyWorker threw.
inline constexpr char kInternalError[] = "internal_error";

}  // namespace hotsplice::apply::errc
