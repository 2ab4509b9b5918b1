// The coverage model: what hostd says about each kernel it looks after (the host's own, each
// container sharing it, each VM). It is the only source for the HTTP API, the dashboard,
// /metrics and the `hotsplice` CLI, so they can never disagree.
//
// Each record carries one status from a small documented set (docs/hostd.md), chosen so that
// nothing unverified ever reads as patched: a guest that has not reported is `unknown` or
// `agent_silent`, and a guest whose kernel no bundle targets is `unsupported_kernel`, never
// "up to date". CVEs fixed and open come from the verified bundles' manifests (the catalogue),
// never from what a guest claims.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/json_reader.h"
#include "core/kernel/kernel_identity.h"
#include "hostagent/bundle_catalog.h"
#include "hostagent/state_db.h"

namespace hotsplice::hostd {

enum class GuestStatus {
  // every bundle that targets its kernel is live, superseded by a newer live one, or rolled
  // back by an operator (kept open in cves_open); no pin holds one back
  patched,
  pending,  // bundles target its kernel and are not live yet (policy, stage, queue, or its pin)
  failed,   // the last attempt at a bundle it needs failed; the record says why
  unsupported_kernel,  // its agent answered, and no bundle targets its exact kernel
  no_channel,          // the domain has no hotsplice channel (and none was hot-plugged)
  agent_silent,        // the channel exists but the agent does not answer (now); see last_known
  unknown,             // not asked yet (just seen, or not running), or its guest directory is down
};

inline constexpr GuestStatus kAllGuestStatuses[] = {
    GuestStatus::patched,    GuestStatus::pending,
    GuestStatus::failed,     GuestStatus::unsupported_kernel,
    GuestStatus::no_channel, GuestStatus::agent_silent,
    GuestStatus::unknown};

const char* status_name(GuestStatus status);
// The inverse of status_name; nullopt for any other text.
std::optional<GuestStatus> parse_status(std::string_view name);

// What kind of kernel a record describes (CoverageRecord::kind).
namespace kind {
inline constexpr char kHost[] = "host";            // the host's own kernel (id "host")
inline constexpr char kContainer[] = "container";  // shares the host's kernel (id "ct:<id>")
inline constexpr char kKvm[] = "kvm";              // a KVM/QEMU guest (id = domain uuid)
inline constexpr char kXen[] = "xen";              // a Xen guest (id = domain uuid)
}  // namespace kind

// Why a bundle that targets a kernel is not live there (AvailablePatch::why_not).
namespace why_not {
inline constexpr char kPolicy[] = "policy";  // manual policy: waits for an operator's apply
// An operator rolled it back: the rollout does not re-apply it (only `hotsplice apply` does),
// so it does not keep the guest pending; its CVEs stay open unless a live bundle lists them.
inline constexpr char kRolledBack[] = "rolled_back";
// A lower level it builds on was rolled back by an operator: the rollout stacks nothing on
// that gap (bundle_choice.h next_automatic), so it waits for `hotsplice apply`; pending.
inline constexpr char kAfterRollback[] = "after_rollback";
// A newer live bundle for the same kernel replaces it (every bundle is an atomic-replace
// cumulative livepatch: bundle_choice.h superseded_by); not missing, never applied over it.
// Its CVEs stay open unless the live bundle's manifest lists them.
inline constexpr char kSuperseded[] = "superseded";
inline constexpr char kCanaryStage[] = "canary_stage";  // waits for (or stopped at) the canaries
inline constexpr char kPinned[] = "pinned";             // above the guest's pin
inline constexpr char kFailed[] = "failed";             // its last attempt failed (see error)
inline constexpr char kCrashedLastTime[] = "crashed_last_time";  // the kernel died applying it
inline constexpr char kQueued[] = "queued";  // next in line (concurrency limit, or being applied)
inline constexpr char kPaused[] = "paused";  // the rollout is paused
}  // namespace why_not

using Clock = std::chrono::system_clock;

struct PatchError {
  std::string code;
  std::string message;
  bool operator==(const PatchError&) const = default;
};

// A bundle live in the kernel. cves come from the catalogue's verified manifest; a live bundle
// the catalogue does not know (an older repository) has none listed.
struct AppliedPatch {
  std::string bundle_id;
  std::vector<std::string> cves;
  bool operator==(const AppliedPatch&) const = default;
};

// A verified bundle that targets the kernel exactly and is not live, with why not.
struct AvailablePatch {
  std::string bundle_id;
  std::vector<std::string> cves;
  std::string why_not;              // one of why_not::*
  std::optional<PatchError> error;  // when why_not is failed or crashed_last_time
  bool operator==(const AvailablePatch&) const = default;
};

// What an agent that stopped answering last reported, as hostd judged it then: history for
// the operator, never current coverage (the record's own applied/cves stay empty/unknown, and
// summaries and /metrics count only the record's status, agent_silent).
struct LastKnown {
  std::optional<Clock::time_point> at;  // when the agent last answered (the record's last_contact)
  GuestStatus status = GuestStatus::unknown;  // the status its last report gave
  std::string reason;
  std::optional<KernelIdentity> kernel;
  std::string effective_kernel;
  std::vector<AppliedPatch> applied;    // live then, in application order
  std::vector<std::string> cves_fixed;  // then; empty when cves_known was false
  std::vector<std::string> cves_open;
  bool cves_known = false;
  std::string agent_version;

  bool operator==(const LastKnown&) const = default;
};

// One kernel as the operator sees it.
struct CoverageRecord {
  std::string id;    // domain uuid for VMs, "host" for the host kernel, "ct:<id>" for containers
  std::string name;  // for humans; untrusted text from the guest/domain
  std::string kind = kind::kKvm;               // one of kind::*
  std::vector<std::string> platform_evidence;  // why hostd believes kind (facts, for humans)
  std::optional<KernelIdentity> kernel;        // as reported; null while silent (last_known)
  // Like uptrack-uname: release + "+hotsplice." + the newest live bundle id, or the release
  // when nothing is live; "" when the kernel is not known.
  std::string effective_kernel;
  GuestStatus status = GuestStatus::unknown;
  std::string reason;  // why the status is what it is, for humans ("canary stage", an error)
  std::vector<AppliedPatch> applied;      // live, in application order
  std::vector<AvailablePatch> available;  // target the kernel, not live
  std::vector<std::string> cves_fixed;    // sorted, unique: CVEs of applied bundles
  std::vector<std::string> cves_open;     // sorted, unique: CVEs of available ones not fixed
  // True when a verified bundle targets the kernel, so manifests list its CVEs. False (kernel
  // not reported, or unsupported_kernel): the CVEs are unknown, never "0 open" (JSON null,
  // CLI "-", no /metrics series).
  bool cves_known = false;
  std::string agent_version;
  std::optional<Clock::time_point> last_contact;
  std::optional<std::string> pin;         // the configured pin, if any ("" holds at none)
  std::optional<std::string> covered_by;  // "host" for containers (their kernel is the host's)
  // Set only for agent_silent after the agent had reported, and for a VM whose guest
  // directory is down (unknown) that had a status before: what it last said.
  std::optional<LastKnown> last_known;

  bool operator==(const CoverageRecord&) const = default;
};

// The rollout as it bears on one guest's pending bundles.
struct RolloutView {
  bool manual = false;  // policy manual: bundles wait for an operator
  bool paused = false;
  bool canary_stage = false;  // canary or canary_wait stage
  bool stopped = false;       // a canary failed; stop_reason says why
  std::string stop_reason;
};

// Everything build_coverage needs about one kernel; filled by the rollout engine (VMs) or by
// whoever watches the host kernel and containers.
struct CoverageFacts {
  std::string id;
  std::string name;
  std::string kind = kind::kKvm;
  std::vector<std::string> platform_evidence;
  bool running = true;
  bool has_channel = true;
  // The agent does not answer now: a handshake or liveness check failed or is overdue, or an
  // operation ended without its answer (problem says how). With reported, the record is
  // agent_silent and the last report goes to last_known, never into the coverage.
  bool silent = false;
  std::string problem;    // the last handshake/transport error
  bool reported = false;  // a hello was received: kernel, live and agent_version hold
  std::optional<KernelIdentity> kernel;
  std::vector<std::string> live;  // bundle ids live, in application order
  std::string agent_version;
  std::optional<Clock::time_point> last_contact;
  std::vector<CatalogBundle> for_kernel;  // the catalogue's bundles for the exact kernel
  std::optional<std::string> pin;
  std::vector<GuestBundleRow> recorded;    // the state database's latest event per bundle
  std::optional<std::string> in_progress;  // the bundle being applied or rolled back now
  // Bundles whose apply did not survive the last boot (the crash-loop guard's records): never
  // re-applied automatically, the guest is failed with crashed_last_time.
  std::vector<std::string> crashed_bundles;
  RolloutView rollout;
  std::optional<std::string> covered_by;
};

// True when the rollout (or an operator's queue) will still apply it without a new decision:
// not held by the pin, not rolled back by an operator, not superseded by a newer live bundle.
// Such a bundle keeps its guest pending (or failed, with its error).
bool awaits_apply(const AvailablePatch& patch);

// The record for one kernel: the status, reason, applied/available with why_not and CVEs.
// Pure: same facts, same record.
CoverageRecord build_coverage(const CoverageFacts& facts);

// A VM's record while the guest directory (libvirt) that lists it is unreachable: hostd
// cannot tell whether the domain still exists, runs or was changed, so the record becomes
// `unknown` (reason: why, e.g. "guest directory qemu:///system disconnected since T: ...;
// last known: patched, 6.1.0-56-amd64+hotsplice.hs-2") and what it said until then moves to
// last_known (an agent_silent record keeps its own, older last_known). As for agent_silent:
// no kernel, nothing applied or available, CVEs unknown; never coverage.
CoverageRecord directory_unreachable(CoverageRecord current, const std::string& why);

// "6.1.0-56-amd64+hotsplice.hs-2" (newest live bundle by publication order among for_kernel,
// else the last live one), or the release when nothing is live.
std::string effective_kernel(const std::string& release, const std::vector<std::string>& live,
                             const std::vector<CatalogBundle>& for_kernel);

// Counts over a set of records, for the host summary, /metrics and `hotsplice status`.
struct CoverageSummary {
  std::size_t total = 0;
  std::map<GuestStatus, std::size_t> by_status;  // every status present, zeros included
  std::size_t open_cves = 0;                     // distinct CVE ids open on any record
  // Records whose CVEs are unknown (!cves_known: unsupported_kernel, no_channel, agent_silent,
  // unknown): no manifest lists them, so open_cves says nothing about these.
  std::size_t cves_unknown = 0;
};
CoverageSummary summarize(const std::vector<CoverageRecord>& records);

// JSON for the API and the control socket: keys are the field names above; times ISO-8601
// UTC; absent values null.
Json to_json(const CoverageRecord& record);
Json to_json(const CoverageSummary& summary);

// "2026-11-30T05:01:02Z"
std::string format_utc(Clock::time_point time);

}  // namespace hotsplice::hostd
