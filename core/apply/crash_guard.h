// The crash-loop guard's records (Canonical Livepatch: "the application caused a crash
// last time it was applied"): nobody should have to rescue a machine that panics at every
// boot because a bad patch is re-applied early in boot.
//
// Before a bundle's module is loaded, an attempt record {bundle_id, boot_id, started_at} is
// written durably (StateStore::save_attempt). PatchManager removes it once the transition
// completed and the kernel stayed healthy for the settle time. So a record that survives
// into a later boot (another /proc/sys/kernel/random/boot_id) means the kernel died while
// the patch was new: that bundle is not loaded again, at boot or on request, and is
// reported "crashed_last_time" until an operator clears it. A record whose code is set
// (kernel_bug_detected) blocks the same way in this boot and later ones.
//
// A clean reboot during the settle time is no crash: the agent, stopped (SIGTERM) while the
// kernel still looked healthy, marks the record ended_by_agent_stop (durably) and the next
// boot re-applies the bundle. A panic or power loss never runs that code, so its record
// stays and blocks. What the guard cannot see: a crash after the agent stopped watching,
// like one after a completed settle time.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/apply/state_store.h"
#include "core/base/expected.h"
#include "core/base/log.h"
#include "core/protocol/message_parts.h"

namespace hotsplice::apply {

// <root>/proc/sys/kernel/random/boot_id without its newline (a UUID, new at every boot).
Expected<std::string> read_boot_id(const std::filesystem::path& root);

class CrashGuard {
 public:
  // boot_id: this boot's (read_boot_id), or the error reading it: then every surviving
  // record counts as from an earlier boot and begin() refuses to record anything.
  CrashGuard(const StateStore& store, Expected<std::string> boot_id, const Logger& log);

  // Writes the attempt record for bundle_id, started now. Fails (nothing may be loaded)
  // when the boot id is unknown or the record cannot be made durable.
  Status begin(const std::string& bundle_id);
  // The attempt ended without a crash (refused load, completed settle, rollback).
  Status forget(const std::string& bundle_id);
  // Keeps the record, with code, so the bundle stays blocked (kernel_bug_detected), or
  // ends it without blocking (kEndedByAgentStop).
  Status mark(const std::string& bundle_id, const std::string& code);
  // The agent was restarted in the boot whose stop ended bundle_id's attempt, and the patch
  // is still live: its attempt is in progress again (a crash from now on blocks it).
  Status resume(const std::string& bundle_id);

  // The record that blocks bundle_id, with the code to report: crashed_last_time (an
  // earlier boot), the recorded code, or attempt_record_invalid. nullopt: not blocked (no
  // record, an attempt in progress in this boot, or one ended by the agent's stop).
  std::optional<protocol::CrashRecord> blocking(const std::string& bundle_id) const;
  // Every blocking record, sorted by bundle id.
  std::vector<protocol::CrashRecord> records() const;

 private:
  const StateStore& store_;
  Expected<std::string> boot_id_;
  const Logger& log_;
};

}  // namespace hotsplice::apply
