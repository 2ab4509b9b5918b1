// The rollout engine's per-guest state (rollout_engine.cpp, agent_liveness.cpp): private to
// the engine, shared by its source files.
#pragma once

#include <algorithm>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hostagent/rollout_engine.h"

namespace hotsplice::hostd {

struct RolloutEngine::Operation {
  enum class Kind { apply, rollback };
  Kind kind = Kind::apply;
  std::string bundle_id;
  bool manual = false;
  bool canary = false;
  std::size_t bytes = 0;     // the bundle's size, once read
  bool transferred = false;  // the guest holds the whole bundle: the apply was sent
};

struct RolloutEngine::Guest {
  enum class Phase { idle, handshaking, ready, working, silent };
  GuestInfo info;
  std::unique_ptr<PatchTarget> target;
  std::uint64_t epoch = 0;  // of target; completions from an older target are dropped
  Phase phase = Phase::idle;
  std::optional<TargetHello> hello;               // its last report; only history while unanswered
  std::optional<Clock::time_point> last_contact;  // when its agent last answered
  Clock::time_point next_check{};
  // The handshake or liveness check in flight must be answered by then, or the guest is
  // agent_silent (the target's own timeouts fail it too; this bound holds whatever it does).
  std::optional<Clock::time_point> answer_by;
  // Its agent does not answer now (problem says how): agent_silent, its last hello kept as
  // last-known, no rollout step started. Only a new hello clears it.
  bool unanswered = false;
  std::string problem;          // the last handshake or transport error, for the record
  std::deque<Operation> queue;  // operator requests
  std::optional<Operation> current;
  std::string persisted;  // status + reason last written, to write only changes
  // start_automatic found nothing to apply. Its answer depends only on the hello, the
  // guest's recorded rows, the catalog, the pins and the rollout stage, so it stays true
  // until one of those changes (unsettle). Without it every pump() re-read the database
  // for every guest already done: O(guests) queries per event, O(guests^2) per rollout
  // (64 s of hostd CPU for 1000 guests in bench/fanout).
  bool settled = false;

  std::vector<std::string> live() const {
    std::vector<std::string> ids;
    if (hello) {
      for (const auto& patch : hello->applied) ids.push_back(patch.id);
    }
    return ids;
  }
  // The target's crash-loop guard blocks this bundle (hello's crash_records).
  const protocol::CrashRecord* crash_record(const std::string& id) const {
    if (!hello) return nullptr;
    for (const auto& record : hello->crash_records) {
      if (record.bundle_id == id) return &record;
    }
    return nullptr;
  }
  bool is_live(const std::string& id) const {
    auto ids = live();
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  }
};

}  // namespace hotsplice::hostd
