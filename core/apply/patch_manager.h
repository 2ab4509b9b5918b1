// Everything hotsplice does to a running kernel: verify a bundle, load its livepatch module,
// wait for the transition (rolling back one that stalls), roll back on request, re-apply
// stored bundles at boot, and report what /sys/kernel/livepatch says. guestd uses it for
// its VM's kernel; hostd for the node's own kernel (shared-kernel containers).
//
// Nothing is loaded unless the signature, the module's sha256, the target kernel identity
// (release, version and build-id of the running kernel) and the module's "livepatch" mark
// all check out, and never inside a shared-kernel container. Operations run to the end once
// started, whatever happens to the caller's connection: a disconnect cannot leave one
// halfway. Blocking (transition waits: up to timeouts.transition + after_signal, twice for
// a stalled apply that is rolled back): run it on an ApplyWorker from an event loop. Not
// thread-safe: one caller at a time.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
  // requested_id must be the id in the bundle's manifest.
  Outcome apply_bundle_file(std::string_view requested_id, const std::filesystem::path& file);
  Outcome rollback(std::string_view bundle_id);
  // Re-applies every stored bundle built for the running kernel; returns how many are live.
  std::size_t apply_stored();

  std::vector<protocol::AppliedPatch> applied_patches() const;
  const KernelIdentity& running_kernel() const { return running_kernel_; }
  const platform::Environment& environment() const { return environment_; }

 private:
  Expected<VerifiedBundle> verify_for_this_kernel(std::string_view bundle_bytes) const;
  Outcome apply_verified(const VerifiedBundle& bundle, std::string_view bundle_bytes,
                         bool store_bundle);
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
};

}  // namespace hotsplice::apply
