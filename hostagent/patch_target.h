// The seam between the rollout engine and a kernel it patches: a remote guest over its
// channel (RemoteGuestTarget, wrapping protocol::HostSession), later the host's own kernel
// (core/apply). Every operation is asynchronous: it returns at once, and its completion
// runs later on hostd's io_context, never from inside the call. One operation at a time per
// target; the engine never overlaps them.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/base/expected.h"
#include "core/kernel/kernel_identity.h"
#include "core/protocol/message_parts.h"

namespace hotsplice::hostd {

// What a target says about itself right after the handshake: the truth about what is live.
struct TargetHello {
  KernelIdentity kernel;
  std::vector<protocol::AppliedPatch> applied;
  std::string agent_version;
  // Bundles the target's crash-loop guard blocks (crashed_last_time, kernel_bug_detected):
  // never applied automatically; an operator's apply clears the record first.
  std::vector<protocol::CrashRecord> crash_records{};
};

class PatchTarget {
 public:
  using HelloDone = std::function<void(Expected<TargetHello>)>;
  using Done = std::function<void(Status)>;

  virtual ~PatchTarget() = default;

  // Connects if needed, synchronises and asks for hello. Repeating it refreshes the truth.
  virtual void handshake(HelloDone done) = 0;
  // Hands over a bundle's bytes (the target may already hold a prefix: transfers resume).
  virtual void send_bundle(const std::string& bundle_id,
                           std::shared_ptr<const std::string> bundle_bytes, Done done) = 0;
  // Applies a bundle the target holds. An Error carries the target's own code and message
  // (e.g. wrong_kernel, transition_stalled) or the transport's (channel_timeout, ...).
  virtual void apply(const std::string& bundle_id, Done done) = 0;
  // An operator's apply of a bundle the target reported in crash_records: the target clears
  // the record, then applies. A target without a crash guard just applies.
  virtual void apply_clearing_crash_record(const std::string& bundle_id, Done done) {
    apply(bundle_id, std::move(done));
  }
  virtual void rollback(const std::string& bundle_id, Done done) = 0;
  // lost runs (on the io_context) when the target loses its agent while nothing is pending:
  // an idle session's heartbeat went unanswered, or the channel closed. A pending handshake
  // or operation reports such a loss through its own completion instead. Set once, before
  // the first handshake; a target that cannot lose anything (the local kernel) never calls it.
  using Lost = std::function<void(Error)>;
  virtual void on_lost(Lost lost) { (void)lost; }
  // Drops the connection; a pending completion runs with target_closed (on the io_context).
  virtual void close() = 0;
};

struct GuestInfo;
// Makes the target for a guest (a channel session for a KVM guest). Never null.
using TargetFactory = std::function<std::unique_ptr<PatchTarget>(const GuestInfo&)>;

}  // namespace hotsplice::hostd
