// Error codes of core/livepatch (the kernel's /sys/kernel/livepatch interface). Declared
// once here. Values the kernel shows that do not parse are kernel::errc::kInvalidValue.
#pragma once

namespace hotsplice::livepatch::errc {

// No /sys/kernel/livepatch/<name>: the patch is not loaded (or livepatch is not built in).
inline constexpr char kLivepatchNotFound[] = "livepatch_not_found";
// A transition that did not finish within its bound (a task sleeping in a patched function).
inline constexpr char kTransitionStalled[] = "transition_stalled";

// What finit_module(2) and delete_module(2) failures mean (module_syscall_errors.h). They
// reach hostd and the operator as the code of a failed apply or rollback.
// ENOSYS: no module support in this kernel, or a seccomp filter blocks the call.
inline constexpr char kModulesUnsupported[] = "modules_unsupported";
// EPERM, EACCES: no CAP_SYS_MODULE, modules disabled, or not allowed in this container.
inline constexpr char kPermissionDenied[] = "permission_denied";
// finit_module: EEXIST, a module of this name is loaded already.
inline constexpr char kModuleAlreadyLoaded[] = "module_already_loaded";
// finit_module: ENOEXEC, EINVAL, ENOENT: the kernel refused the module itself (bad ELF,
// vermagic, parameters, a missing symbol); the kernel log says more.
inline constexpr char kModuleRejected[] = "module_rejected";
// finit_module: EKEYREJECTED, ENOKEY, EBADMSG: the module's signature is not accepted.
inline constexpr char kModuleSignatureRejected[] = "module_signature_rejected";
// finit_module: EBUSY, another livepatch transition is in progress.
inline constexpr char kLivepatchBusy[] = "livepatch_busy";
// finit_module: any other errno.
inline constexpr char kModuleLoadFailed[] = "module_load_failed";
// delete_module: ENOENT, no module of this name is loaded (a rollback's goal reached).
inline constexpr char kModuleNotLoaded[] = "module_not_loaded";
// delete_module: EWOULDBLOCK, EBUSY: the module is in use (a livepatch until it is
// disabled); LivepatchControl::unload_released retries it.
inline constexpr char kModuleBusy[] = "module_busy";
// delete_module: any other errno.
inline constexpr char kModuleUnloadFailed[] = "module_unload_failed";

}  // namespace hotsplice::livepatch::errc
