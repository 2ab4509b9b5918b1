#include "hostagent/coverage.h"

#include <algorithm>
#include <ctime>
#include <set>

#include "core/apply/error_codes.h"
#include "hostagent/bundle_choice.h"

namespace hotsplice::hostd {
namespace {

const CatalogBundle* find_bundle(const std::vector<CatalogBundle>& bundles, const std::string& id) {
  auto it = std::find_if(bundles.begin(), bundles.end(),
                         [&](const CatalogBundle& b) { return b.id == id; });
  return it == bundles.end() ? nullptr : &*it;
}

const GuestBundleRow* find_row(const std::vector<GuestBundleRow>& rows, const std::string& id) {
  auto it = std::find_if(rows.begin(), rows.end(),
                         [&](const GuestBundleRow& r) { return r.bundle_id == id; });
  return it == rows.end() ? nullptr : &*it;
}

bool contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// Why a wanted bundle is not live, from the most specific fact to the most general.
// after_rollback: a lower wanted level, not live, was rolled back by an operator.
AvailablePatch classify(const CatalogBundle& bundle, const CoverageFacts& facts,
                        bool after_rollback) {
  AvailablePatch out{bundle.id, bundle.cves, why_not::kQueued, std::nullopt};
  const GuestBundleRow* row = find_row(facts.recorded, bundle.id);
  if (contains(facts.crashed_bundles, bundle.id)) {
    out.why_not = why_not::kCrashedLastTime;
    out.error = PatchError{apply::errc::kCrashedLastTime,
                           "the kernel did not survive applying it last boot; not re-applied "
                           "until an operator applies it again"};
  } else if (row && row->state == BundleEvent::failed) {
    out.why_not =
        row->code == apply::errc::kCrashedLastTime ? why_not::kCrashedLastTime : why_not::kFailed;
    out.error = PatchError{row->code, row->message};
  } else if (row && row->state == BundleEvent::rolled_back) {
    out.why_not = why_not::kRolledBack;
  } else if (facts.in_progress == bundle.id) {
    out.why_not = why_not::kQueued;
  } else if (after_rollback) {
    out.why_not = why_not::kAfterRollback;
  } else if (facts.rollout.manual) {
    out.why_not = why_not::kPolicy;
  } else if (facts.rollout.paused) {
    out.why_not = why_not::kPaused;
  } else if (facts.rollout.stopped || facts.rollout.canary_stage) {
    out.why_not = why_not::kCanaryStage;
  }
  return out;
}

std::vector<std::string> sorted_unique(std::vector<std::string> list) {
  std::sort(list.begin(), list.end());
  list.erase(std::unique(list.begin(), list.end()), list.end());
  return list;
}

// The human reason of a pending record: the first bundle's why, in words.
std::string pending_reason(const AvailablePatch& first, const CoverageFacts& facts) {
  if (facts.in_progress) return "applying " + *facts.in_progress;
  if (first.why_not == why_not::kAfterRollback) {
    return first.bundle_id +
           " waits: a lower level was rolled back by the operator, and the "
           "rollout stacks nothing on it (`hotsplice apply` resumes)";
  }
  if (first.why_not == why_not::kPolicy) return "manual policy: waiting for an operator's apply";
  if (first.why_not == why_not::kPaused) return "rollout paused";
  if (facts.rollout.stopped) return "rollout stopped: " + facts.rollout.stop_reason;
  if (first.why_not == why_not::kCanaryStage) return "waiting for the canary stage";
  return "queued (concurrency limit)";
}

std::string joined(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ", ") + id;
  return out;
}

// "its pin (pinned at no patch) holds back hs-2, hs-3"
std::string pin_reason(const std::string& pin_note, const std::vector<std::string>& held) {
  return "its pin (" + pin_note + ") holds back " + joined(held);
}

// What the agent's last report said, judged as if it still answered.
LastKnown last_known_of(const CoverageFacts& facts) {
  CoverageFacts heard = facts;
  heard.silent = false;
  CoverageRecord then = build_coverage(heard);
  return LastKnown{facts.last_contact, then.status,           then.reason,
                   then.kernel,        then.effective_kernel, std::move(then.applied),
                   then.cves_fixed,    then.cves_open,        then.cves_known,
                   then.agent_version};
}

// "; last known: patched, <effective kernel>"
std::string last_known_suffix(const LastKnown& last) {
  std::string out = std::string("; last known: ") + status_name(last.status);
  if (!last.effective_kernel.empty()) out += ", " + last.effective_kernel;
  return out;
}

// "no answer from the agent since T (problem); last known: patched, <effective kernel>"
std::string silent_reason(const std::string& problem, const LastKnown& last) {
  std::string out = "no answer from the agent";
  if (last.at) out += " since " + format_utc(*last.at);
  if (!problem.empty()) out += " (" + problem + ")";
  return out + last_known_suffix(last);
}

}  // namespace

const char* status_name(GuestStatus status) {
  switch (status) {
    case GuestStatus::patched:
      return "patched";
    case GuestStatus::pending:
      return "pending";
    case GuestStatus::failed:
      return "failed";
    case GuestStatus::unsupported_kernel:
      return "unsupported_kernel";
    case GuestStatus::no_channel:
      return "no_channel";
    case GuestStatus::agent_silent:
      return "agent_silent";
    case GuestStatus::unknown:
      return "unknown";
  }
  return "unknown";
}

std::optional<GuestStatus> parse_status(std::string_view name) {
  for (GuestStatus status : kAllGuestStatuses) {
    if (name == status_name(status)) return status;
  }
  return std::nullopt;
}

std::string effective_kernel(const std::string& release, const std::vector<std::string>& live,
                             const std::vector<CatalogBundle>& for_kernel) {
  if (live.empty()) return release;
  const CatalogBundle* newest = nullptr;
  for (const auto& id : live) {
    const CatalogBundle* bundle = find_bundle(for_kernel, id);
    if (bundle && (!newest || bundle->sequence > newest->sequence)) newest = bundle;
  }
  return release + "+hotsplice." + (newest ? newest->id : live.back());
}

bool awaits_apply(const AvailablePatch& patch) {
  return patch.why_not != why_not::kPinned && patch.why_not != why_not::kSuperseded &&
         patch.why_not != why_not::kRolledBack;
}

CoverageRecord build_coverage(const CoverageFacts& facts) {
  CoverageRecord out;
  out.id = facts.id;
  out.name = facts.name;
  out.kind = facts.kind;
  out.platform_evidence = facts.platform_evidence;
  out.last_contact = facts.last_contact;
  out.pin = facts.pin;
  out.covered_by = facts.covered_by;
  if (!facts.running) {
    out.reason = "not running";
    return out;
  }
  if (!facts.has_channel) {
    out.status = GuestStatus::no_channel;
    out.reason = "the domain has no hotsplice channel";
    return out;
  }
  if (!facts.reported || !facts.kernel) {
    out.status = facts.silent ? GuestStatus::agent_silent : GuestStatus::unknown;
    out.reason = facts.silent ? facts.problem : "waiting for the agent's hello";
    return out;
  }
  if (facts.silent) {
    // It reported once and does not answer now: what it said then is history, not coverage.
    out.status = GuestStatus::agent_silent;
    out.last_known = last_known_of(facts);
    out.reason = silent_reason(facts.problem, *out.last_known);
    return out;
  }
  out.kernel = facts.kernel;
  out.agent_version = facts.agent_version;
  out.effective_kernel = effective_kernel(facts.kernel->release, facts.live, facts.for_kernel);
  std::vector<std::string> fixed;
  for (const auto& id : facts.live) {
    const CatalogBundle* bundle = find_bundle(facts.for_kernel, id);
    out.applied.push_back(AppliedPatch{id, bundle ? bundle->cves : std::vector<std::string>{}});
    if (bundle) fixed.insert(fixed.end(), bundle->cves.begin(), bundle->cves.end());
  }
  out.cves_fixed = sorted_unique(std::move(fixed));
  if (facts.for_kernel.empty()) {
    out.status = GuestStatus::unsupported_kernel;
    out.reason = "no bundle targets kernel " + describe(*facts.kernel);
    return out;
  }
  auto choice = choose_bundles(facts.for_kernel, facts.pin);
  std::vector<std::string> open;
  std::vector<std::string> held_by_pin;  // not live, above the pin
  std::vector<std::string> rolled_back;  // not live, rolled back by an operator
  for (const auto& bundle : facts.for_kernel) {
    if (contains(facts.live, bundle.id)) continue;
    AvailablePatch patch{bundle.id, bundle.cves, why_not::kPinned, {}};
    if (superseded_by(bundle, facts.live, facts.for_kernel)) {
      patch.why_not = why_not::kSuperseded;
    } else if (find_bundle(choice.wanted, bundle.id)) {
      patch = classify(bundle, facts, !rolled_back.empty());
    } else {
      held_by_pin.push_back(bundle.id);
    }
    if (patch.why_not == why_not::kRolledBack) rolled_back.push_back(bundle.id);
    out.available.push_back(std::move(patch));
    // Open unless a live bundle's verified manifest lists it, whatever replaced the bundle.
    for (const auto& cve : bundle.cves) {
      if (!std::binary_search(out.cves_fixed.begin(), out.cves_fixed.end(), cve)) {
        open.push_back(cve);
      }
    }
  }
  out.cves_open = sorted_unique(std::move(open));
  out.cves_known = true;
  // Missing: wanted, not live, and the rollout or an operator's queue will still apply it.
  const AvailablePatch* first_missing = nullptr;
  const AvailablePatch* first_failure = nullptr;
  for (const auto& patch : out.available) {
    if (!awaits_apply(patch)) continue;
    if (!first_missing) first_missing = &patch;
    if (!first_failure && patch.error) first_failure = &patch;
  }
  if (first_failure) {
    out.status = GuestStatus::failed;
    out.reason = first_failure->bundle_id + ": " + first_failure->error->code + ": " +
                 first_failure->error->message;
    return out;
  }
  if (first_missing || !held_by_pin.empty()) {
    out.status = GuestStatus::pending;
    out.reason = first_missing ? pending_reason(*first_missing, facts) : "";
    if (!held_by_pin.empty()) {
      out.reason += (out.reason.empty() ? "" : "; ") + pin_reason(choice.pin_note, held_by_pin);
    }
  } else {
    out.status = GuestStatus::patched;
  }
  if (!rolled_back.empty()) {
    out.reason += (out.reason.empty() ? "" : "; ") + joined(rolled_back) +
                  " rolled back by the operator (not re-applied until `hotsplice apply`)";
  }
  return out;
}

CoverageRecord directory_unreachable(CoverageRecord current, const std::string& why) {
  CoverageRecord out;
  out.id = std::move(current.id);
  out.name = std::move(current.name);
  out.kind = std::move(current.kind);
  out.platform_evidence = std::move(current.platform_evidence);
  out.last_contact = current.last_contact;
  out.pin = std::move(current.pin);
  out.covered_by = std::move(current.covered_by);
  out.status = GuestStatus::unknown;
  out.reason = why;
  if (current.last_known) {
    out.last_known = std::move(current.last_known);  // silent before: its last real report
  } else if (current.kernel) {
    out.last_known = LastKnown{current.last_contact,
                               current.status,
                               current.reason,
                               current.kernel,
                               current.effective_kernel,
                               std::move(current.applied),
                               std::move(current.cves_fixed),
                               std::move(current.cves_open),
                               current.cves_known,
                               std::move(current.agent_version)};
  }
  if (out.last_known) {
    out.reason += last_known_suffix(*out.last_known);
  } else if (current.status != GuestStatus::unknown) {
    out.reason += std::string("; last known: ") + status_name(current.status);
  }
  return out;
}

CoverageSummary summarize(const std::vector<CoverageRecord>& records) {
  CoverageSummary out;
  for (GuestStatus status : kAllGuestStatuses) out.by_status[status] = 0;
  std::set<std::string> open;
  for (const auto& record : records) {
    ++out.total;
    ++out.by_status[record.status];
    if (record.cves_known) {
      open.insert(record.cves_open.begin(), record.cves_open.end());
    } else {
      ++out.cves_unknown;
    }
  }
  out.open_cves = open.size();
  return out;
}

std::string format_utc(Clock::time_point time) {
  std::time_t seconds = Clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

namespace {

template <typename T, typename F>
Json optional_json(const std::optional<T>& value, F convert) {
  return value ? convert(*value) : Json(nullptr);
}

Json applied_json(const std::vector<AppliedPatch>& patches) {
  Json applied = Json::array();
  for (const auto& patch : patches) {
    applied.push_back({{"bundle_id", patch.bundle_id}, {"cves", patch.cves}});
  }
  return applied;
}

Json kernel_json(const std::optional<KernelIdentity>& kernel) {
  return optional_json(kernel, [](const KernelIdentity& k) { return to_json(k); });
}

Json time_json(const std::optional<Clock::time_point>& time) {
  return optional_json(time, [](Clock::time_point t) { return Json(format_utc(t)); });
}

// CVE lists are null when unknown, never "none".
Json cves_json(bool known, const std::vector<std::string>& cves) {
  return known ? Json(cves) : Json(nullptr);
}

Json text_or_null(const std::string& text) {
  return text.empty() ? Json(nullptr) : Json(text);
}

Json last_known_json(const LastKnown& last) {
  return {{"at", time_json(last.at)},
          {"status", status_name(last.status)},
          {"reason", last.reason},
          {"kernel", kernel_json(last.kernel)},
          {"effective_kernel", last.effective_kernel},
          {"applied", applied_json(last.applied)},
          {"cves_fixed", cves_json(last.cves_known, last.cves_fixed)},
          {"cves_open", cves_json(last.cves_known, last.cves_open)},
          {"agent_version", text_or_null(last.agent_version)}};
}

}  // namespace

Json to_json(const CoverageRecord& record) {
  Json available = Json::array();
  for (const auto& patch : record.available) {
    available.push_back({{"bundle_id", patch.bundle_id},
                         {"cves", patch.cves},
                         {"why_not", patch.why_not},
                         {"error", optional_json(patch.error, [](const PatchError& e) {
                            return Json{{"code", e.code}, {"message", e.message}};
                          })}});
  }
  auto text = [](const std::string& s) { return Json(s); };
  return {{"id", record.id},
          {"name", record.name},
          {"kind", record.kind},
          {"platform_evidence", record.platform_evidence},
          {"kernel", kernel_json(record.kernel)},
          {"effective_kernel", record.effective_kernel},
          {"status", status_name(record.status)},
          {"reason", record.reason},
          {"applied", applied_json(record.applied)},
          {"available", available},
          {"cves_fixed", cves_json(record.cves_known, record.cves_fixed)},
          {"cves_open", cves_json(record.cves_known, record.cves_open)},
          {"agent_version", text_or_null(record.agent_version)},
          {"last_contact", time_json(record.last_contact)},
          {"pin", optional_json(record.pin, text)},
          {"covered_by", optional_json(record.covered_by, text)},
          {"last_known", optional_json(record.last_known, last_known_json)}};
}

Json to_json(const CoverageSummary& summary) {
  Json by_status = Json::object();
  for (const auto& [status, count] : summary.by_status) by_status[status_name(status)] = count;
  return {{"total", summary.total},
          {"by_status", by_status},
          {"open_cves", summary.open_cves},
          {"cves_unknown", summary.cves_unknown}};
}

}  // namespace hotsplice::hostd
