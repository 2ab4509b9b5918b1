// Everything hotsplice does to a running kernel: verify a bundle, load its livepatch module,
// wait for the transition (rolling back one that stalls), roll back on request, re-apply
// stored bundles at boot, and report what /sys/kernel/livepatch says. guestd uses it for
// its VM's kernel; hostd for the node's own kernel (shared-kernel containers).
//
// Nothing is loaded unless the signature, the module's sha256, the target kernel identity
// (release, version and build-id of the running kernel) and the module's "livepatch" mark
// all check out, never inside a shared-kernel container or an unknown environment, and
// never a bundle the crash-loop guard blocks (crash_guard.h). Operations run to the end once
// started, whatever happens to the caller's connection: a disconnect cannot leave one
// halfway. Blocking (transition waits: up to timeouts.transition + after_signal, twice for
// a stalled apply that is rolled back): run it on an ApplyWorker from an event loop. Not
// thread-safe: one caller at a time.
//
// Settling: after its transition completed, a new patch settles for timeouts.settle
// (60 s) while KernelHealthWatch looks for new taint and oops/BUG/WARNING lines. An event
// loop calls poll_settling() when next_settle_check() comes (non-blocking: guestd's poll
// loop; hostd's SettleWatcher runs it as a short job on its ApplyWorker).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/apply/crash_guard.h"
#include "core/apply/kernel_health.h"
#include "core/apply/outcome.h"
#include "core/apply/state_store.h"
#include "core/base/json_reader.h"
#include "core/base/log.h"
#include "core/bundle/bundle_verifier.h"
#include "core/bundle/trusted_keys.h"
#include "core/kernel/kernel_identity.h"
#include "core/livepatch/livepatch_control.h"
#include "core/platform/environment.h"
#include "core/protocol/message_parts.h"

namespace hotsplice::apply {

class PatchManager {
 public:
  // root stands for "/" (sysfs and procfs are read under it); everything passed by
  // reference must outlive the manager. log gets one line per apply, rollback and refusal.
  PatchManager(std::filesystem::path root, KernelIdentity running_kernel,
               platform::Environment environment, const TrustedKeys& keys, const StateStore& store,
               ModuleSyscalls& syscalls, const Logger& log, PatchTimeouts timeouts = {});

  // Applies the bundle file (a verified transfer) and stores it for re-application at boot.
  // requested_id must be the id in the bundle's manifest. Returns once the transition is
  // complete; the patch then settles (poll_settling). A bundle with a crash record is
  // refused with the record's code (crashed_last_time, ...) until clear_crash_record.
  Outcome apply_bundle_file(std::string_view requested_id, const std::filesystem::path& file);
  Outcome rollback(std::string_view bundle_id);
  // Re-applies every stored bundle built for the running kernel, except those the crash
  // guard blocks (logged, left for an operator); returns how many are live.
  std::size_t apply_stored();

  // Non-blocking: checks every settling patch's kernel health once. A patch during whose
  // settle time the kernel showed a bug is rolled back (disabled, unloaded, forgotten) and
  // its record kept with kernel_bug_detected; one whose settle time passed healthy has its
  // attempt record cleared. Returns one Outcome per patch concluded, each with its
  // "bundle_id" in state.
  std::vector<Outcome> poll_settling();
  // The agent is stopping (SIGTERM: the machine shuts down cleanly, or the service is
  // stopped) while patches settle. Each settling patch's health is checked once more: a bug
  // concludes it as poll_settling does; a healthy one stops settling and its attempt record
  // is marked ended_by_agent_stop (durably), so the next boot re-applies it instead of
  // taking the clean reboot for a crash (crash_guard.h). Returns one Outcome per patch, code
  // ended_by_agent_stop, kernel_bug_detected, or ok for one whose settle time was over.
  // Call it only when the agent stops.
  std::vector<Outcome> end_settling_at_stop();
  // When poll_settling() should next run (at most a second apart); nullopt: nothing settles.
  std::optional<std::chrono::steady_clock::time_point> next_settle_check() const;

  // The bundles the crash guard blocks, with their codes (crash_guard.h).
  std::vector<protocol::CrashRecord> crash_records() const;
  // An operator's decision that bundle_id may be applied again: removes its record.
  // no_crash_record when it has none (or its attempt is in progress in this boot).
  Status clear_crash_record(std::string_view bundle_id);

  std::vector<protocol::AppliedPatch> applied_patches() const;
  const KernelIdentity& running_kernel() const { return running_kernel_; }
  const platform::Environment& environment() const { return environment_; }

 private:
  Expected<VerifiedBundle> verify_for_this_kernel(std::string_view bundle_bytes) const;
  Outcome apply_verified(const VerifiedBundle& bundle, std::string_view bundle_bytes,
                         bool store_bundle);
  Status load_and_transition(const VerifiedBundle& bundle);
  void begin_settling(const std::string& bundle_id, const std::string& module,
                      std::unique_ptr<KernelHealthWatch> watch);
  std::optional<Outcome> conclude_settling(const std::string& bundle_id, bool deadline_passed);
  Status load_module(const VerifiedBundle& bundle);
  Status wait_or_roll_back(const std::string& module);
  Status disable_and_unload(const std::string& module);
  Outcome live_outcome(const std::string& bundle_id, const std::string& module,
                       std::string message) const;
  std::optional<Error> refuse_unless_may_patch() const;
  void remember_stored_modules();

  std::filesystem::path root_;
  KernelIdentity running_kernel_;
  platform::Environment environment_;
  const TrustedKeys& keys_;
  const StateStore& store_;
  const Logger& log_;
  LivepatchControl control_;
  PatchTimeouts timeouts_;
  std::map<std::string, std::string> module_of_bundle_;  // bundle id -> module name
  CrashGuard crash_guard_;
  struct Settling {
    std::string module;
    std::chrono::steady_clock::time_point until;
    std::unique_ptr<KernelHealthWatch> watch;
  };
  std::map<std::string, Settling> settling_;  // bundle id -> its settle time
};

}  // namespace hotsplice::apply
