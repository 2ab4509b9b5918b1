// What hostd says about one guest: the coverage record. Its status is one value from a small
// documented set (docs/hostd.md), chosen so that nothing unverified ever reads as patched:
// a guest that has not reported is `unknown` or `agent_silent`, and a guest whose kernel no
// bundle targets is `unsupported_kernel`, never "up to date".
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/json_reader.h"
#include "core/kernel/kernel_identity.h"

namespace hotsplice::hostd {

enum class GuestStatus {
  patched,             // every bundle that targets its kernel (up to its pin) is live
  pending,             // bundles target its kernel and are not live yet (policy, stage, pin, queue)
  failed,              // the last attempt at a bundle it needs failed; the record says why
  unsupported_kernel,  // its agent answered, and no bundle targets its exact kernel
  no_channel,          // the domain has no hotsplice channel (and none was hot-plugged)
  agent_silent,        // the channel exists but the agent did not complete a handshake
  unknown,             // not asked yet (just seen, or not running)
};

inline constexpr GuestStatus kAllGuestStatuses[] = {
    GuestStatus::patched,    GuestStatus::pending,
    GuestStatus::failed,     GuestStatus::unsupported_kernel,
    GuestStatus::no_channel, GuestStatus::agent_silent,
    GuestStatus::unknown};

const char* status_name(GuestStatus status);
// The inverse of status_name; nullopt for any other text.
std::optional<GuestStatus> parse_status(std::string_view name);

using Clock = std::chrono::system_clock;

// One guest as the operator sees it. Filled by the rollout engine from the guest's hello,
// the bundle catalogue and the state database.
struct CoverageRecord {
  std::string uuid;
  std::string name;
  GuestStatus status = GuestStatus::unknown;
  std::string reason;  // why the status is what it is, for humans ("canary stage", an error)
  std::optional<KernelIdentity> kernel;  // as the guest last reported it
  std::string agent_version;
  std::vector<std::string> applied;    // bundle ids live in the guest (from its hello)
  std::vector<std::string> available;  // bundle ids that target its kernel, within its pin
  std::optional<std::string> pin;      // the configured pin, if any
  std::optional<Clock::time_point> last_contact;
};

Json to_json(const CoverageRecord& record);

// "2026-11-30T05:01:02Z"
std::string format_utc(Clock::time_point time);

}  // namespace hotsplice::hostd
