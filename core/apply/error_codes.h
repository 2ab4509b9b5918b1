// Error codes of the apply component (core/apply): what a refused or failed apply or
// rollback reports, on the wire (guestd's result messages) and in hostd's records.
#pragma once

#include "core/livepatch/error_codes.h"
#include "core/protocol/error_codes.h"

namespace hotsplice::apply::errc {

// Refusals before anything is loaded (and platform::errc::kSharedKernelContainer /
// kEnvironmentUnknown from core/platform: never inside a container or an unknown place).
inline constexpr char kBundleIdMismatch[] = "bundle_id_mismatch";
inline constexpr char kInvalidName[] = "invalid_name";
inline constexpr char kInvalidId[] = "invalid_id";
inline constexpr char kNotLivepatch[] = "not_livepatch";
inline constexpr char kModuleNameMismatch[] = "module_name_mismatch";
// core/livepatch's code (a module of this name is loaded), also given before loading.
inline constexpr const auto& kModuleAlreadyLoaded = livepatch::errc::kModuleAlreadyLoaded;
// The trampoline's run-pre check refused: the running code is not what the patch expects.
inline constexpr char kRunPreMismatch[] = "run_pre_mismatch";
// The transition did not finish, even after the fake signal (declared by core/livepatch).
inline constexpr const auto& kTransitionStalled = livepatch::errc::kTransitionStalled;
// core/livepatch's answer when the module is already gone: a rollback's goal reached.
inline constexpr const auto& kModuleNotLoaded = livepatch::errc::kModuleNotLoaded;
// A rollback of a bundle this kernel does not have.
inline constexpr char kNotApplied[] = "not_applied";
// The crash-loop guard (crash_guard.h, kernel_health.h).
// A stored bundle whose load began in an earlier boot that never reported the kernel
// healthy: not re-applied (at boot or on request) until an operator clears the record.
inline constexpr char kCrashedLastTime[] = "crashed_last_time";
// The kernel became tainted (other than by the livepatch load itself) or logged an oops,
// BUG or WARNING while the new patch settled: rolled back, not re-applied until cleared.
inline constexpr char kKernelBugDetected[] = "kernel_bug_detected";
// An attempt record that does not parse: the bundle is treated as crashed (never re-applied
// on a guess) and the record is reported with this code until cleared.
inline constexpr char kAttemptRecordInvalid[] = "attempt_record_invalid";
// Not an error: what an attempt record says once the agent was stopped (SIGTERM: a clean
// shutdown or a service stop) during the settle time while the kernel looked healthy. Such a
// record blocks nothing: the next boot re-applies the bundle (a clean reboot is no crash),
// and an agent restarted in the same boot resumes watching the patch settle.
inline constexpr char kEndedByAgentStop[] = "ended_by_agent_stop";
// No /proc/sys/kernel/random/boot_id: without it a crash cannot be told from this boot, so
// nothing is loaded.
inline constexpr char kBootIdUnreadable[] = "boot_id_unreadable";
inline constexpr char kTaintUnreadable[] = "taint_unreadable";
// clear_crash_record for a bundle that has no crash record.
inline constexpr char kNoCrashRecord[] = "no_crash_record";
// A job of the ApplyWorker threw.
inline constexpr const auto& kInternalError = protocol::errc::kInternalError;

}  // namespace hotsplice::apply::errc
