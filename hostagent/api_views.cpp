#include "hostagent/api_views.h"

#include <algorithm>

namespace hotsplice::hostd {
namespace {

std::string time_of(std::int64_t seconds) {
  return format_utc(Clock::time_point(std::chrono::seconds(seconds)));
}

// What an event says the operator or the rollout tried: a rollback, or a report from the
// guest (confirmed: seen live in a hello), else part of an apply.
const char* action_of(BundleEvent event) {
  switch (event) {
    case BundleEvent::rolled_back:
      return "rollback";
    case BundleEvent::confirmed:
      return "report";
    default:
      return "apply";
  }
}

}  // namespace

Json guests_document(const std::vector<CoverageRecord>& records, Clock::time_point now,
                     const Json& directory) {
  Json guests = Json::array();
  for (const auto& record : records) guests.push_back(to_json(record));
  return {{"generated", format_utc(now)},
          {"guest_directory", directory},
          {"guests", std::move(guests)}};
}

std::string unknown_guest_message(const std::string& id, const Json& directory) {
  std::string message = "no guest with id or name " + id;
  if (directory.is_object() && !directory.value("connected", true)) {
    message += "; the guest directory " + directory.value("uri", std::string()) +
               " is disconnected since " + directory.value("since", std::string()) + " (" +
               directory.value("why", std::string()) + "): guests are unknown until it reconnects";
  }
  return message;
}

Json guest_document(const CoverageRecord& record, const std::vector<GuestBundleRow>& history) {
  Json out = to_json(record);
  Json events = Json::array();
  for (const auto& row : history) {
    events.push_back({{"time", time_of(row.at)},
                      {"bundle_id", row.bundle_id},
                      {"action", action_of(row.state)},
                      {"result", event_name(row.state)},
                      {"code", row.code},
                      {"message", row.message}});
  }
  out["history"] = std::move(events);
  return out;
}

Json patches_document(const std::vector<CatalogBundle>& bundles,
                      const std::vector<CoverageRecord>& records) {
  Json patches = Json::array();
  for (const auto& bundle : bundles) {
    std::size_t applied = 0;
    std::size_t pending = 0;
    std::size_t failed = 0;
    for (const auto& record : records) {
      auto live = std::find_if(record.applied.begin(), record.applied.end(),
                               [&](const AppliedPatch& p) { return p.bundle_id == bundle.id; });
      if (live != record.applied.end()) {
        ++applied;
        continue;
      }
      auto waiting =
          std::find_if(record.available.begin(), record.available.end(),
                       [&](const AvailablePatch& p) { return p.bundle_id == bundle.id; });
      if (waiting == record.available.end()) continue;
      if (waiting->error) {
        ++failed;
      } else if (awaits_apply(*waiting)) {
        ++pending;
      }
    }
    patches.push_back(
        {{"id", bundle.id},
         {"target", to_json(bundle.target)},
         {"cves", bundle.cves},
         {"description", bundle.description},
         {"guests", {{"applied", applied}, {"pending", pending}, {"failed", failed}}}});
  }
  return {{"patches", std::move(patches)}};
}

Json events_document(const std::vector<GuestBundleRow>& events,
                     const std::map<std::string, std::string>& names, std::int64_t after) {
  Json out = Json::array();
  std::int64_t next = after;
  for (const auto& row : events) {
    auto name = names.find(row.guest_uuid);
    out.push_back({{"cursor", row.seq},
                   {"time", time_of(row.at)},
                   {"guest", name != names.end() ? name->second : row.guest_uuid},
                   {"guest_id", row.guest_uuid},
                   {"kind", event_name(row.state)},
                   {"bundle", row.bundle_id},
                   {"code", row.code},
                   {"message", row.message}});
    next = std::max(next, row.seq);
  }
  return {{"events", std::move(out)}, {"next_cursor", next}};
}

const CoverageRecord* find_record(const std::vector<CoverageRecord>& records,
                                  const std::string& id_or_name) {
  for (const auto& record : records) {
    if (record.id == id_or_name) return &record;
  }
  for (const auto& record : records) {
    if (record.name == id_or_name) return &record;
  }
  return nullptr;
}

}  // namespace hotsplice::hostd
