// Agent liveness: when the rollout engine stops trusting what a guest's agent last said.
// An agent is confirmed every timeouts.confirm_every() (RolloutEngine::tick sends the check);
// one that fails a check, leaves it unanswered for timeouts.handshake, loses its idle session
// or stops answering mid-operation is `unanswered`: agent_silent in its coverage record (the
// last hello kept as last_known, never as coverage), no rollout step started, operator
// requests refused, asked again every timeouts.retry, until its next hello (docs/hostd.md,
// "Agent liveness").
#include <string>

#include "hostagent/error_codes.h"
#include "hostagent/rollout_engine.h"
#include "hostagent/rollout_guest.h"

namespace hotsplice::hostd {

void RolloutEngine::mark_silent(Guest& guest, const Error& why, Clock::time_point retry_at) {
  guest.phase = Guest::Phase::silent;
  guest.unanswered = true;
  guest.problem = why.code() + ": " + why.message();
  guest.next_check = retry_at;
  persist(guest);
}

void RolloutEngine::on_lost(const std::string& uuid, std::uint64_t epoch, const Error& why) {
  auto it = guests_.find(uuid);
  if (it == guests_.end() || it->second->epoch != epoch) return;
  Guest& guest = *it->second;
  // Only an idle guest: a pending handshake or operation reports the loss itself.
  if (guest.phase != Guest::Phase::ready) return;
  ++counters_.errors[why.code()];
  log_.warning("agent lost",
               {{"guest", guest.info.name}, {"code", why.code()}, {"error", why.message()}});
  // Asked again at the next tick: the target reconnects, and the hello says what is true.
  mark_silent(guest, why, clock_());
}

void RolloutEngine::check_overdue(Guest& guest, Clock::time_point now) {
  if (guest.phase != Guest::Phase::handshaking || guest.unanswered || !guest.answer_by ||
      now < *guest.answer_by) {
    return;
  }
  // The check stays in flight (a late answer still counts), but the status no longer
  // claims what the agent said before.
  guest.unanswered = true;
  guest.problem = std::string(errc::kAgentNoAnswer) + ": no answer to hostd's check within " +
                  std::to_string(timeouts_.handshake.count()) + " s";
  log_.warning("agent silent", {{"guest", guest.info.name}, {"error", guest.problem}});
  persist(guest);
}

Status RolloutEngine::not_ready(const Guest& guest) const {
  if (directory_down_ && !guest.info.local_kernel) {
    return Error(errc::kGuestNotReady, guest.info.name + " is unknown: " + *directory_down_ +
                                           "; nothing is sent to it until then");
  }
  if (!guest.hello) {
    return Error(errc::kGuestNotReady, guest.info.name + " has not completed a handshake yet");
  }
  if (guest.unanswered) {
    return Error(errc::kGuestNotReady, guest.info.name + "'s agent does not answer (" +
                                           guest.problem +
                                           "); nothing is sent to it until it does");
  }
  return Status::ok();
}

}  // namespace hotsplice::hostd
