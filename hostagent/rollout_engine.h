// The rollout engine: pure decision logic over the seams (GuestDirectory events in,
// PatchTarget operations out, BundleCatalog and StateDb beside). For each guest:
// handshake -> kernel identity and live patches -> the bundles that target that kernel
// exactly (within its pin) -> offer/transfer -> apply -> record. Policies: automatic or
// manual; a canary stage (N guests or a percentage, then a wait, then the rest; any canary
// failure stops the rollout and the state says why); per-guest pins; a concurrency limit;
// pause/resume. The guest's hello is the truth about what is live: a bundle it reports is
// never applied again, whatever the database remembers, so a rollout interrupted by a
// crash resumes from the database without re-applying. A hello is trusted only while its
// agent keeps answering: every idle guest is checked every timeouts.liveness, and one that
// does not answer is agent_silent with its last report kept apart (agent_liveness.cpp).
//
// Single-threaded: every method and every PatchTarget completion runs on hostd's
// io_context. Time comes from the injected clock; tick() drives retries and the canary wait.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/json_reader.h"
#include "core/base/log.h"
#include "hostagent/bundle_catalog.h"
#include "hostagent/config.h"
#include "hostagent/coverage.h"
#include "hostagent/guest_directory.h"
#include "hostagent/metrics.h"
#include "hostagent/patch_target.h"
#include "hostagent/state_db.h"

namespace hotsplice::hostd {

// The stages of a rollout, as stored in the database and shown by `hotsplice rollout status`.
inline constexpr char kStageCanary[] = "canary";           // canary guests being patched
inline constexpr char kStageCanaryWait[] = "canary_wait";  // canaries done, waiting
inline constexpr char kStageGeneral[] = "general";         // everyone else
inline constexpr char kStageStopped[] = "stopped";         // a canary failed; reason says why

class RolloutEngine {
 public:
  using ClockFn = std::function<Clock::time_point()>;

  RolloutEngine(StateDb& db, const BundleCatalog& catalog, TargetFactory make_target, Logger& log,
                ClockFn clock);
  ~RolloutEngine();
  RolloutEngine(const RolloutEngine&) = delete;
  RolloutEngine& operator=(const RolloutEngine&) = delete;

  // Loads the rollout from the database (starting a new one when the catalogue generation
  // changed) and takes the policy. Call once before anything else.
  Status start(const RolloutConfig& rollout, const TimeoutConfig& timeouts);
  // A reloaded config: new policy, canary sizes, concurrency and pins take effect at once.
  void reconfigure(const RolloutConfig& rollout, const TimeoutConfig& timeouts);

  // From the guest directory.
  void guest_seen(const GuestInfo& info);
  void guest_gone(const std::string& uuid);
  // The guest directory (libvirt) stopped (up false; why: the reason each VM record then
  // gives) or resumed answering. While it is down hostd cannot tell whether a domain still
  // exists, runs or changed: every VM's record is unknown with what it said before as
  // last_known (coverage.h directory_unreachable), and operator requests on VMs answer
  // guest_not_ready. The host's own kernel (local_kernel) is not listed by it: unaffected.
  void directory_changed(bool up, const std::string& why);
  // The catalogue's bundles changed (a repository sync added some): maybe a new rollout.
  void catalog_changed();
  // Retries silent agents, confirms idle guests' agents every timeouts.confirm_every() (an
  // inventory: their hello refreshed), turns a guest whose agent has not answered a check
  // within timeouts.handshake agent_silent, ends the canary wait.
  void tick();
  // The guest's hello is stale (its kernel changed under it): asked again at the next tick.
  void refresh(const std::string& uuid);

  // Operator actions (control socket). guest is a uuid or a name. apply with an empty
  // bundle_id queues every wanted bundle the guest lacks. Manual actions ignore pause and
  // stage but respect the concurrency limit; they answer once queued (the result shows in
  // status). Errors: unknown_guest, guest_not_ready, unknown_bundle, bundle_not_for_kernel.
  // apply answers {"guest", "queued": [ids], "nothing_queued": null | {"code", "message"}}:
  // when nothing was queued, why (errc::kAlreadyLive, kNoBundleForKernel, kHeldByPin). A
  // named bundle overrides the pin; a bundle superseded by a newer live one is never queued.
  Expected<Json> request_apply(const std::string& guest, const std::string& bundle_id);
  Expected<Json> request_rollback(const std::string& guest, const std::string& bundle_id);
  Json pause();
  // Resumes a paused rollout; a stopped one moves on to its general stage (the operator
  // read why it stopped and decided).
  Json resume();
  Json rollout_status() const;

  std::vector<CoverageRecord> coverage() const;
  // Applies, rollbacks, bytes transferred and errors by code since start (for /metrics).
  const RolloutCounters& counters() const { return counters_; }
  RolloutGauge rollout_gauge() const { return {rollout_.stage, rollout_.paused}; }

 private:
  struct Operation;
  struct Guest;

  Guest* find(const std::string& uuid_or_name);
  void connect(Guest& guest);
  void handshake(Guest& guest);
  void on_hello(const std::string& uuid, std::uint64_t epoch, Expected<TargetHello> hello);
  // The target lost its agent while idle (heartbeat unanswered, channel closed).
  void on_lost(const std::string& uuid, std::uint64_t epoch, const Error& why);
  // The agent does not answer (why): agent_silent until its next hello, asked again at retry.
  void mark_silent(Guest& guest, const Error& why, Clock::time_point retry_at);
  // A check in flight past its answer time makes the guest agent_silent (agent_liveness.cpp).
  void check_overdue(Guest& guest, Clock::time_point now);
  // Every guest may have something to do again (catalog, stage, pins, policy changed).
  void unsettle_all();
  void pump();
  bool start_automatic(Guest& guest);
  void run(Guest& guest, Operation op);
  void on_transferred(const std::string& uuid, std::uint64_t epoch, Status status);
  void on_finished(const std::string& uuid, std::uint64_t epoch, Status status);
  void finish(Guest& guest, const Status& status);
  void update_canary_stage();
  void set_stage(const std::string& stage, const std::string& reason);
  void new_rollout_if_needed();
  bool has_canary_stage() const;
  // How many canaries this rollout takes: the count, or the percentage (rounded up) of the
  // guests that have answered so far.
  std::size_t canary_target() const;
  std::size_t in_flight() const;
  // guest_not_ready when an operator's request cannot be queued: no hello yet, or silent.
  Status not_ready(const Guest& guest) const;
  // The guest's record; its bundle states read from the database, or given (coverage()
  // reads every guest's in one query).
  CoverageRecord record_of(const Guest& guest) const;
  CoverageRecord record_of(const Guest& guest, std::vector<GuestBundleRow> recorded) const;
  void persist(Guest& guest);
  void record(const Guest& guest, const std::string& bundle_id, BundleEvent event,
              const std::string& code = "", const std::string& message = "");
  std::int64_t seconds_now() const;

  StateDb& db_;
  const BundleCatalog& catalog_;
  TargetFactory make_target_;
  Logger& log_;
  ClockFn clock_;
  RolloutConfig config_;
  TimeoutConfig timeouts_;
  RolloutRow rollout_;
  std::vector<std::string> canaries_;                     // uuids, this rollout's
  std::map<std::string, std::unique_ptr<Guest>> guests_;  // by uuid
  std::uint64_t next_epoch_ = 1;
  RolloutCounters counters_;
  std::optional<std::string> directory_down_;  // why, while the guest directory is down
};

}  // namespace hotsplice::hostd
