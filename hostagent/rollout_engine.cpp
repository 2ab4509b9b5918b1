#include "hostagent/rollout_engine.h"

#include <algorithm>

#include "core/protocol/error_codes.h"
#include "hostagent/bundle_choice.h"
#include "hostagent/error_codes.h"
#include "hostagent/rollout_guest.h"

namespace hotsplice::hostd {

RolloutEngine::RolloutEngine(StateDb& db, const BundleCatalog& catalog, TargetFactory make_target,
                             Logger& log, ClockFn clock)
    : db_(db),
      catalog_(catalog),
      make_target_(std::move(make_target)),
      log_(log),
      clock_(std::move(clock)) {}

RolloutEngine::~RolloutEngine() = default;

std::int64_t RolloutEngine::seconds_now() const {
  return std::chrono::duration_cast<std::chrono::seconds>(clock_().time_since_epoch()).count();
}

Status RolloutEngine::start(const RolloutConfig& rollout, const TimeoutConfig& timeouts) {
  config_ = rollout;
  timeouts_ = timeouts;
  if (auto s = db_.replace_pins(config_.pins); !s) return s;
  auto stored = db_.load_rollout();
  if (!stored) return stored.error();
  if (*stored) {
    rollout_ = **stored;
    auto canaries = db_.canaries();
    if (!canaries) return canaries.error();
    canaries_ = *canaries;
  }
  new_rollout_if_needed();
  log_.info("rollout loaded", {{"generation", rollout_.generation},
                               {"stage", rollout_.stage},
                               {"paused", rollout_.paused ? "yes" : "no"}});
  return Status::ok();
}

void RolloutEngine::unsettle_all() {
  for (auto& [uuid, guest] : guests_) guest->settled = false;
}

void RolloutEngine::reconfigure(const RolloutConfig& rollout, const TimeoutConfig& timeouts) {
  config_ = rollout;
  unsettle_all();
  timeouts_ = timeouts;
  if (auto s = db_.replace_pins(config_.pins); !s) {
    log_.error("recording pins failed", {{"error", s.error().message()}});
  }
  for (auto& [uuid, guest] : guests_) persist(*guest);
  pump();
}

void RolloutEngine::new_rollout_if_needed() {
  std::string generation = catalog_.generation();
  if (!rollout_.stage.empty() && rollout_.generation == generation) return;
  RolloutRow row;
  row.generation = generation;
  row.paused = rollout_.paused;  // an operator's pause outlives new bundles
  row.stage = has_canary_stage() ? kStageCanary : kStageGeneral;
  row.stage_since = seconds_now();
  if (auto s = db_.start_rollout(row); !s) {
    log_.error("recording a new rollout failed", {{"error", s.error().message()}});
  }
  rollout_ = row;
  canaries_.clear();
  unsettle_all();
  log_.info("new rollout", {{"generation", generation}, {"stage", row.stage}});
}

bool RolloutEngine::has_canary_stage() const {
  return config_.canary_count > 0 || config_.canary_percent > 0;
}

std::size_t RolloutEngine::canary_target() const {
  if (config_.canary_count > 0) return config_.canary_count;
  if (config_.canary_percent == 0) return 0;
  std::size_t known = 0;
  for (const auto& [uuid, guest] : guests_) {
    if (guest->hello) ++known;
  }
  return (known * config_.canary_percent + 99) / 100;
}

std::size_t RolloutEngine::in_flight() const {
  return static_cast<std::size_t>(std::count_if(guests_.begin(), guests_.end(), [](const auto& g) {
    return g.second->phase == Guest::Phase::working;
  }));
}

RolloutEngine::Guest* RolloutEngine::find(const std::string& uuid_or_name) {
  if (auto it = guests_.find(uuid_or_name); it != guests_.end()) return it->second.get();
  for (auto& [uuid, guest] : guests_) {
    if (guest->info.name == uuid_or_name) return guest.get();
  }
  return nullptr;
}

void RolloutEngine::guest_seen(const GuestInfo& info) {
  auto& slot = guests_[info.uuid];
  if (!slot) slot = std::make_unique<Guest>();
  Guest& guest = *slot;
  bool channel_changed = guest.info.channel_path != info.channel_path ||
                         guest.info.running != info.running || !guest.target;
  guest.info = info;
  if (!info.running || !info.reachable()) {
    if (guest.target) guest.target->close();
    guest.target.reset();
    guest.epoch = next_epoch_++;
    guest.phase = Guest::Phase::idle;
    guest.current.reset();
    persist(guest);
    return;
  }
  if (channel_changed) connect(guest);
  persist(guest);
}

void RolloutEngine::guest_gone(const std::string& uuid) {
  auto it = guests_.find(uuid);
  if (it == guests_.end()) return;
  Guest& guest = *it->second;
  if (guest.target) guest.target->close();
  guest.info.running = false;
  guest.hello.reset();
  guest.phase = Guest::Phase::idle;
  persist(guest);
  guests_.erase(it);
  pump();  // its concurrency slot is free
}

void RolloutEngine::connect(Guest& guest) {
  if (guest.target) guest.target->close();
  if (guest.hello && !guest.unanswered) {
    // A new channel (the domain restarted, the channel was plugged): what the agent said
    // before is unconfirmed (a reboot drops every live patch) until it answers again.
    guest.unanswered = true;
    guest.problem = "the channel was reopened; waiting for the agent's hello";
  }
  guest.target = make_target_(guest.info);
  guest.epoch = next_epoch_++;
  guest.current.reset();
  guest.target->on_lost([this, uuid = guest.info.uuid, epoch = guest.epoch](const Error& why) {
    on_lost(uuid, epoch, why);
  });
  handshake(guest);
}

void RolloutEngine::handshake(Guest& guest) {
  guest.phase = Guest::Phase::handshaking;
  guest.answer_by = clock_() + timeouts_.handshake;
  guest.target->handshake(
      [this, uuid = guest.info.uuid, epoch = guest.epoch](Expected<TargetHello> hello) {
        on_hello(uuid, epoch, std::move(hello));
      });
}

void RolloutEngine::on_hello(const std::string& uuid, std::uint64_t epoch,
                             Expected<TargetHello> hello) {
  auto it = guests_.find(uuid);
  if (it == guests_.end() || it->second->epoch != epoch) return;
  Guest& guest = *it->second;
  auto now = clock_();
  guest.answer_by.reset();
  if (!hello) {
    ++counters_.errors[hello.error().code()];
    log_.warning("agent did not answer",
                 {{"guest", guest.info.name},
                  {"error", hello.error().code() + ": " + hello.error().message()}});
    mark_silent(guest, hello.error(), now + timeouts_.retry);
    return;
  }
  if (guest.unanswered) log_.info("agent answers again", {{"guest", guest.info.name}});
  guest.hello = std::move(*hello);
  guest.settled = false;
  guest.phase = Guest::Phase::ready;
  guest.unanswered = false;
  guest.problem.clear();
  guest.last_contact = now;
  guest.next_check = now + timeouts_.confirm_every();
  // What the guest reports live is the truth; the record catches up with it.
  auto recorded = db_.guest_bundles(uuid);
  for (const auto& id : guest.live()) {
    bool known_live = false;
    if (recorded) {
      for (const auto& row : *recorded) {
        if (row.bundle_id == id &&
            (row.state == BundleEvent::applied || row.state == BundleEvent::confirmed)) {
          known_live = true;
        }
      }
    }
    if (!known_live) record(guest, id, BundleEvent::confirmed, "", "reported live by the guest");
  }
  log_.info("guest answered", {{"guest", guest.info.name},
                               {"kernel", describe(guest.hello->kernel)},
                               {"live", guest.live().size()}});
  persist(guest);
  pump();
}

void RolloutEngine::catalog_changed() {
  unsettle_all();
  new_rollout_if_needed();
  for (auto& [uuid, guest] : guests_) persist(*guest);
  pump();
}

void RolloutEngine::tick() {
  auto now = clock_();
  if (rollout_.stage == kStageCanaryWait && seconds_now() >= rollout_.wait_until) {
    set_stage(kStageGeneral, "");
  }
  for (auto& [uuid, slot] : guests_) {
    Guest& guest = *slot;
    check_overdue(guest, now);
    bool due = now >= guest.next_check && guest.target;
    if (due && (guest.phase == Guest::Phase::silent || guest.phase == Guest::Phase::ready)) {
      handshake(guest);
    }
  }
  pump();
}

void RolloutEngine::refresh(const std::string& uuid) {
  auto it = guests_.find(uuid);
  if (it != guests_.end()) it->second->next_check = clock_();
}

void RolloutEngine::set_stage(const std::string& stage, const std::string& reason) {
  unsettle_all();
  rollout_.stage = stage;
  rollout_.reason = reason;
  rollout_.stage_since = seconds_now();
  if (stage == kStageCanaryWait) {
    rollout_.wait_until = rollout_.stage_since + config_.canary_wait.count();
  }
  if (auto s = db_.save_rollout(rollout_); !s) {
    log_.error("recording the rollout stage failed", {{"error", s.error().message()}});
  }
  log_.info("rollout stage", {{"stage", stage}, {"reason", reason}});
  for (auto& [uuid, guest] : guests_) persist(*guest);
}

void RolloutEngine::pump() {
  update_canary_stage();
  // in_flight() walks every guest: counted once here and again only after an operation
  // started (run() may finish at once), not per guest. Counting per guest made each pump
  // O(guests^2), and the pumps of 1000 guests' handshakes took minutes.
  std::size_t busy = in_flight();
  for (auto& [uuid, slot] : guests_) {
    if (busy >= config_.concurrency) return;
    Guest& guest = *slot;
    if (guest.phase != Guest::Phase::ready) continue;
    if (!guest.queue.empty()) {
      Operation op = guest.queue.front();
      guest.queue.pop_front();
      run(guest, std::move(op));
      busy = in_flight();
      continue;
    }
    if (start_automatic(guest)) busy = in_flight();
  }
}

bool RolloutEngine::start_automatic(Guest& guest) {
  if (config_.policy != RolloutPolicy::automatic || rollout_.paused ||
      rollout_.stage == kStageStopped || rollout_.stage == kStageCanaryWait) {
    return false;
  }
  if (guest.settled) return false;
  // An unknown VM (its directory is down) gets nothing new until the directory answers.
  if (directory_down_ && !guest.info.local_kernel) return false;
  auto recorded = db_.guest_bundles(guest.info.uuid);
  if (!recorded) {
    log_.error("reading state failed", {{"error", recorded.error().message()}});
    return false;
  }
  auto choice = choose_bundles(catalog_.bundles_for(guest.hello->kernel),
                               pin_for(config_.pins, guest.info.uuid, guest.info.name));
  auto next = next_automatic(choice, guest.live(), *recorded);
  // A bundle that crashed (or hurt) this guest's kernel is never applied automatically;
  // like a failed one, nothing newer goes on top of the gap. Its record changes only with a
  // new hello, which clears the settled memo.
  if (!next || guest.crash_record(next->id) != nullptr) {
    guest.settled = true;
    return false;
  }
  bool is_canary =
      std::find(canaries_.begin(), canaries_.end(), guest.info.uuid) != canaries_.end();
  if (rollout_.stage == kStageCanary && !is_canary) {
    if (canaries_.size() >= canary_target()) return false;  // waits for the canary stage
    if (auto s = db_.add_canary(guest.info.uuid); !s) {
      log_.error("recording a canary failed", {{"error", s.error().message()}});
      return false;
    }
    canaries_.push_back(guest.info.uuid);
    is_canary = true;
    log_.info("canary chosen", {{"guest", guest.info.name}});
  }
  run(guest, Operation{Operation::Kind::apply, next->id, false, is_canary});
  return true;
}

void RolloutEngine::run(Guest& guest, Operation op) {
  guest.phase = Guest::Phase::working;
  guest.current = op;
  auto uuid = guest.info.uuid;
  auto epoch = guest.epoch;
  if (op.kind == Operation::Kind::rollback) {
    log_.info("rolling back", {{"guest", guest.info.name}, {"bundle", op.bundle_id}});
    guest.target->rollback(op.bundle_id, [this, uuid, epoch](Status status) {
      on_finished(uuid, epoch, std::move(status));
    });
    persist(guest);
    return;
  }
  auto bytes = catalog_.bundle_bytes(op.bundle_id);
  if (!bytes) {
    finish(guest, Error(errc::kBundleUnreadable, bytes.error().message()));
    return;
  }
  guest.current->bytes = (*bytes)->size();
  record(guest, op.bundle_id, BundleEvent::offered);
  log_.info(
      "offering",
      {{"guest", guest.info.name}, {"bundle", op.bundle_id}, {"canary", op.canary ? "yes" : "no"}});
  guest.target->send_bundle(op.bundle_id, *bytes, [this, uuid, epoch](Status status) {
    on_transferred(uuid, epoch, std::move(status));
  });
  persist(guest);
}

void RolloutEngine::on_transferred(const std::string& uuid, std::uint64_t epoch, Status status) {
  auto it = guests_.find(uuid);
  if (it == guests_.end() || it->second->epoch != epoch || !it->second->current) return;
  Guest& guest = *it->second;
  if (!status) {
    finish(guest, status);
    return;
  }
  counters_.transfer_bytes += guest.current->bytes;
  guest.current->transferred = true;
  record(guest, guest.current->bundle_id, BundleEvent::transferred);
  // The guest has the whole bundle staged and its digest checked: the step between
  // "offering" and "applied" an operator (and bench/qga_delivery) times the channel by.
  log_.info("transferred", {{"guest", guest.info.name},
                            {"bundle", guest.current->bundle_id},
                            {"bytes", guest.current->bytes}});
  auto applied = [this, uuid, epoch](Status result) {
    on_finished(uuid, epoch, std::move(result));
  };
  // Only an operator's apply (hotsplice apply) clears a crash record, never the rollout.
  if (guest.current->manual && guest.crash_record(guest.current->bundle_id) != nullptr) {
    log_.info("operator apply clears the crash record",
              {{"guest", guest.info.name}, {"bundle", guest.current->bundle_id}});
    guest.target->apply_clearing_crash_record(guest.current->bundle_id, std::move(applied));
  } else {
    guest.target->apply(guest.current->bundle_id, std::move(applied));
  }
}

void RolloutEngine::on_finished(const std::string& uuid, std::uint64_t epoch, Status status) {
  auto it = guests_.find(uuid);
  if (it == guests_.end() || it->second->epoch != epoch || !it->second->current) return;
  finish(*it->second, status);
}

namespace {

// Errors that mean "the channel is gone", as opposed to a guest's or a session's verdict.
bool is_transport_loss(const Error& error) {
  const std::string& code = error.code();
  return code == errc::kTargetClosed || code == errc::kChannelClosed || code == errc::kChannelIo ||
         code == errc::kChannelConnect;
}

// Errors that mean "the agent stopped answering": a wait on it (a reply, a window's
// acknowledgement, a heartbeat) or a write to it ran out of time.
bool is_agent_silence(const Error& error) {
  const std::string& code = error.code();
  return code == protocol::errc::kTimeout || code == errc::kChannelTimeout;
}

}  // namespace

void RolloutEngine::finish(Guest& guest, const Status& status) {
  Operation op = *guest.current;
  guest.current.reset();
  guest.settled = false;  // its record changes below
  guest.phase = Guest::Phase::ready;
  bool apply = op.kind == Operation::Kind::apply;
  bool lost = !status && is_transport_loss(status.error());
  bool silence = !status && is_agent_silence(status.error());
  // A result or a refusal is an answer; a loss or a timeout is not.
  if (!lost && !silence) guest.last_contact = clock_();
  if (!status) ++counters_.errors[status.error().code()];
  if (status) {
    ++(apply ? counters_.applies : counters_.rollbacks);
    if (apply) {
      guest.hello->applied.push_back(protocol::AppliedPatch{op.bundle_id, "", true, false});
    } else {
      std::erase_if(guest.hello->applied,
                    [&](const protocol::AppliedPatch& p) { return p.id == op.bundle_id; });
    }
    record(guest, op.bundle_id, apply ? BundleEvent::applied : BundleEvent::rolled_back);
    log_.info(apply ? "applied" : "rolled back",
              {{"guest", guest.info.name}, {"bundle", op.bundle_id}});
  } else if (lost || (silence && apply && !op.transferred)) {
    // The channel went away (guest reboot, agent restart, hostd closed it), or the agent
    // stopped answering before it held the whole bundle: nothing reached the kernel, or the
    // outcome is unknown; not a refusal. Ask again; the hello says what is live, and the
    // rollout may try again. A canary's interruption does not stop the rollout.
    const Error& error = status.error();
    record(guest, op.bundle_id, BundleEvent::interrupted, error.code(), error.message());
    log_.warning("operation interrupted", {{"guest", guest.info.name},
                                           {"bundle", op.bundle_id},
                                           {"code", error.code()},
                                           {"error", error.message()}});
    // Its last hello stays as last-known (agent_silent), never as current coverage.
    mark_silent(guest, error, clock_() + timeouts_.retry);
  } else {
    const Error& error = status.error();
    record(guest, op.bundle_id, BundleEvent::failed, error.code(), error.message());
    log_.error(apply ? "apply failed" : "rollback failed", {{"guest", guest.info.name},
                                                            {"bundle", op.bundle_id},
                                                            {"code", error.code()},
                                                            {"error", error.message()}});
    // The transport may be broken: the next hello (after the retry time) tells the truth.
    // An apply or rollback the agent never answered is failed (a bundle is not re-applied
    // by itself over an outcome nobody saw) and the guest agent_silent until it answers.
    guest.next_check = clock_() + timeouts_.retry;
    if (silence) mark_silent(guest, error, guest.next_check);
    if (op.canary && rollout_.stage == kStageCanary) {
      set_stage(kStageStopped, "canary " + guest.info.name + " failed " +
                                   (apply ? "to apply " : "to roll back ") + op.bundle_id + ": " +
                                   error.code() + ": " + error.message());
    }
  }
  persist(guest);
  pump();
}

void RolloutEngine::update_canary_stage() {
  if (rollout_.stage != kStageCanary || canaries_.empty()) {
    if (rollout_.stage == kStageCanary && !has_canary_stage()) set_stage(kStageGeneral, "");
    return;
  }
  // Done when no canary has work left or in flight, and either the canary set is full or
  // no other answering guest needs anything.
  bool others_need_work = false;
  for (const auto& [uuid, guest] : guests_) {
    if (!guest->hello) continue;
    bool is_canary = std::find(canaries_.begin(), canaries_.end(), uuid) != canaries_.end();
    if (is_canary && guest->phase == Guest::Phase::working) return;
    auto recorded = db_.guest_bundles(uuid);
    if (!recorded) return;
    auto choice = choose_bundles(catalog_.bundles_for(guest->hello->kernel),
                                 pin_for(config_.pins, uuid, guest->info.name));
    bool needs = next_automatic(choice, guest->live(), *recorded).has_value();
    if (is_canary && needs) return;
    if (!is_canary && needs) others_need_work = true;
  }
  for (const auto& uuid : canaries_) {
    auto it = guests_.find(uuid);
    if (it != guests_.end() && !it->second->hello) return;  // a canary not heard from yet
  }
  if (canaries_.size() >= canary_target() || !others_need_work) {
    set_stage(kStageCanaryWait, "");
    if (config_.canary_wait.count() == 0) set_stage(kStageGeneral, "");
  }
}

namespace {

// Why an operator's apply queued nothing: {"code": errc::k..., "message": for humans}.
Json nothing_queued(const std::string& code, const std::string& message) {
  return {{"code", code}, {"message", message}};
}

// Why a bare apply (no bundle named) found nothing to queue for a kernel.
Json nothing_wanted(const BundleChoice& choice, const KernelIdentity& kernel) {
  if (choice.for_kernel.empty()) {
    return nothing_queued(errc::kNoBundleForKernel,
                          "no verified bundle targets its kernel " + describe(kernel));
  }
  if (choice.wanted.empty()) {
    return nothing_queued(errc::kHeldByPin,
                          choice.pin_note + "; name a bundle to apply it over the pin");
  }
  std::string message = "every bundle it should have is live";
  if (!choice.pin_note.empty()) message += " (" + choice.pin_note + ")";
  return nothing_queued(errc::kAlreadyLive, message);
}

}  // namespace

Expected<Json> RolloutEngine::request_apply(const std::string& name, const std::string& bundle_id) {
  Guest* guest = find(name);
  if (guest == nullptr) return Error(errc::kUnknownGuest, "no guest named " + name);
  if (auto refused = not_ready(*guest); !refused) return refused.error();
  auto choice = choose_bundles(catalog_.bundles_for(guest->hello->kernel),
                               pin_for(config_.pins, guest->info.uuid, guest->info.name));
  auto live = guest->live();
  // A bundle live, or replaced by a newer live level (applying it would be a downgrade).
  auto has = [&](const CatalogBundle& bundle) {
    return guest->is_live(bundle.id) || superseded_by(bundle, live, choice.for_kernel);
  };
  std::vector<std::string> queued;
  Json why = nullptr;
  if (!bundle_id.empty()) {
    auto it = std::find_if(choice.for_kernel.begin(), choice.for_kernel.end(),
                           [&](const CatalogBundle& b) { return b.id == bundle_id; });
    if (it == choice.for_kernel.end()) {
      return Error(errc::kBundleNotForKernel, "no verified bundle " + bundle_id + " targets " +
                                                  guest->info.name + "'s kernel " +
                                                  describe(guest->hello->kernel));
    }
    // An operator naming a bundle overrides the guest's pin (docs/hostd.md, "Operator apply").
    if (!has(*it)) {
      queued.push_back(bundle_id);
    } else if (guest->is_live(bundle_id)) {
      why = nothing_queued(errc::kAlreadyLive, bundle_id + " is already live");
    } else {
      why = nothing_queued(errc::kAlreadyLive, bundle_id + " is superseded by " +
                                                   superseded_by(*it, live, choice.for_kernel)->id +
                                                   ", which is live and replaces it");
    }
  } else {
    for (const auto& bundle : choice.wanted) {
      if (!has(bundle)) queued.push_back(bundle.id);
    }
    if (queued.empty()) why = nothing_wanted(choice, guest->hello->kernel);
  }
  for (const auto& id : queued) {
    guest->queue.push_back(Operation{Operation::Kind::apply, id, true, false});
  }
  log_.info("operator apply", {{"guest", guest->info.name}, {"queued", queued.size()}});
  Json result = {{"guest", guest->info.name}, {"queued", queued}, {"nothing_queued", why}};
  pump();
  return result;
}

Expected<Json> RolloutEngine::request_rollback(const std::string& name,
                                               const std::string& bundle_id) {
  Guest* guest = find(name);
  if (guest == nullptr) return Error(errc::kUnknownGuest, "no guest named " + name);
  if (auto refused = not_ready(*guest); !refused) return refused.error();
  if (!guest->is_live(bundle_id)) {
    return Error(errc::kUnknownBundle, bundle_id + " is not live in " + guest->info.name);
  }
  guest->queue.push_back(Operation{Operation::Kind::rollback, bundle_id, true, false});
  log_.info("operator rollback", {{"guest", guest->info.name}, {"bundle", bundle_id}});
  Json result = {{"guest", guest->info.name}, {"queued", {bundle_id}}};
  pump();
  return result;
}

Json RolloutEngine::pause() {
  rollout_.paused = true;
  if (auto s = db_.save_rollout(rollout_); !s) {
    log_.error("recording the pause failed", {{"error", s.error().message()}});
  }
  log_.info("rollout paused");
  for (auto& [uuid, guest] : guests_) persist(*guest);
  return rollout_status();
}

Json RolloutEngine::resume() {
  rollout_.paused = false;
  unsettle_all();
  if (rollout_.stage == kStageStopped) {
    log_.warning("stopped rollout resumed by the operator", {{"was", rollout_.reason}});
    set_stage(kStageGeneral, "");
  } else if (auto s = db_.save_rollout(rollout_); !s) {
    log_.error("recording the resume failed", {{"error", s.error().message()}});
  }
  log_.info("rollout resumed");
  pump();
  for (auto& [uuid, guest] : guests_) persist(*guest);
  return rollout_status();
}

Json RolloutEngine::rollout_status() const {
  Json canaries = Json::array();
  for (const auto& uuid : canaries_) {
    // A canary not seen since hostd started (or while the directory is down) keeps the name
    // the database last recorded; its uuid only when the database has none.
    auto it = guests_.find(uuid);
    if (it != guests_.end()) {
      canaries.push_back(it->second->info.name);
    } else if (auto row = db_.guest(uuid); row && *row && !(*row)->name.empty()) {
      canaries.push_back((*row)->name);
    } else {
      canaries.push_back(uuid);
    }
  }
  Json out = {{"generation", rollout_.generation},
              {"stage", rollout_.stage},
              {"paused", rollout_.paused},
              {"reason", rollout_.reason},
              {"policy", policy_name(config_.policy)},
              {"concurrency", config_.concurrency},
              {"in_flight", in_flight()},
              {"canaries", canaries},
              {"canary_target", canary_target()}};
  if (rollout_.stage == kStageCanaryWait) {
    out["wait_until"] = format_utc(Clock::time_point(std::chrono::seconds(rollout_.wait_until)));
  }
  return out;
}

CoverageRecord RolloutEngine::record_of(const Guest& guest) const {
  std::vector<GuestBundleRow> recorded;
  if (guest.hello) {
    if (auto rows = db_.guest_bundles(guest.info.uuid)) recorded = std::move(*rows);
  }
  return record_of(guest, std::move(recorded));
}

CoverageRecord RolloutEngine::record_of(const Guest& guest,
                                        std::vector<GuestBundleRow> recorded) const {
  CoverageFacts facts;
  facts.id = guest.info.uuid;
  facts.name = guest.info.name;
  facts.kind = guest.info.kind;
  facts.platform_evidence = guest.info.platform_evidence;
  facts.running = guest.info.running;
  facts.has_channel = guest.info.reachable();
  facts.silent = guest.unanswered;
  facts.problem = guest.problem;
  facts.last_contact = guest.last_contact;
  facts.pin = pin_for(config_.pins, guest.info.uuid, guest.info.name);
  if (guest.hello) {
    facts.reported = true;
    facts.kernel = guest.hello->kernel;
    facts.live = guest.live();
    facts.agent_version = guest.hello->agent_version;
    facts.for_kernel = catalog_.bundles_for(guest.hello->kernel);
    facts.recorded = std::move(recorded);
    // The target's crash-loop guard (hello's crash_records): failed, crashed_last_time.
    for (const auto& crash : guest.hello->crash_records) {
      facts.crashed_bundles.push_back(crash.bundle_id);
    }
  }
  if (guest.current) facts.in_progress = guest.current->bundle_id;
  facts.rollout.manual = config_.policy == RolloutPolicy::manual;
  facts.rollout.paused = rollout_.paused;
  facts.rollout.stopped = rollout_.stage == kStageStopped;
  facts.rollout.stop_reason = rollout_.reason;
  facts.rollout.canary_stage = rollout_.stage == kStageCanary || rollout_.stage == kStageCanaryWait;
  CoverageRecord record = build_coverage(facts);
  if (directory_down_ && !guest.info.local_kernel) {
    return directory_unreachable(std::move(record), *directory_down_);
  }
  return record;
}

void RolloutEngine::directory_changed(bool up, const std::string& why) {
  if (up) {
    directory_down_.reset();
  } else {
    directory_down_ = why;
  }
  for (auto& [uuid, guest] : guests_) persist(*guest);
  if (up) pump();  // work held while it was down
}

std::vector<CoverageRecord> RolloutEngine::coverage() const {
  std::vector<CoverageRecord> out;
  out.reserve(guests_.size());
  // One query for every guest's bundle states: a query per guest cost ~20 ms per request
  // with 1000 guests (bench/README.md, api).
  auto all = db_.all_guest_bundles();
  if (!all) {
    log_.error("reading state failed", {{"error", all.error().message()}});
    for (const auto& [uuid, guest] : guests_) out.push_back(record_of(*guest, {}));
  } else {
    for (const auto& [uuid, guest] : guests_) {
      auto rows = all->find(uuid);
      out.push_back(record_of(*guest, guest->hello && rows != all->end()
                                          ? std::move(rows->second)
                                          : std::vector<GuestBundleRow>{}));
    }
  }
  std::sort(out.begin(), out.end(), [](const CoverageRecord& a, const CoverageRecord& b) {
    return std::tie(a.name, a.id) < std::tie(b.name, b.id);
  });
  return out;
}

void RolloutEngine::persist(Guest& guest) {
  CoverageRecord record = record_of(guest);
  std::string key = std::string(status_name(record.status)) + "\n" + record.reason + "\n" +
                    (record.kernel ? record.kernel->build_id : "") + "\n" + guest.info.name + "\n" +
                    (record.last_contact ? format_utc(*record.last_contact) : "");
  if (key == guest.persisted) return;
  GuestRow row;
  row.uuid = guest.info.uuid;
  row.name = guest.info.name;
  // The last report's kernel and agent, kept while it is silent (the status says so).
  if (guest.hello) {
    row.kernel = guest.hello->kernel;
    row.agent_version = guest.hello->agent_version;
  }
  if (guest.last_contact) {
    row.last_contact =
        std::chrono::duration_cast<std::chrono::seconds>(guest.last_contact->time_since_epoch())
            .count();
  }
  row.status = status_name(record.status);
  row.reason = record.reason;
  if (auto s = db_.upsert_guest(row); !s) {
    log_.error("recording guest failed",
               {{"guest", guest.info.name}, {"error", s.error().message()}});
    return;
  }
  guest.persisted = key;
}

void RolloutEngine::record(const Guest& guest, const std::string& bundle_id, BundleEvent event,
                           const std::string& code, const std::string& message) {
  if (auto s =
          db_.record_bundle_event(guest.info.uuid, bundle_id, event, seconds_now(), code, message);
      !s) {
    log_.error("recording bundle event failed",
               {{"guest", guest.info.name}, {"bundle", bundle_id}, {"error", s.error().message()}});
  }
}

}  // namespace hotsplice::hostd
