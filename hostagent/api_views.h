// The JSON documents of hostd's API (docs/api.md), built from the coverage model, the state
// database's history and the catalogue. The HTTP API and the control socket (hence the
// `hotsplice` CLI) answer with these same documents, so they cannot disagree.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/base/json_reader.h"
#include "hostagent/bundle_catalog.h"
#include "hostagent/coverage.h"
#include "hostagent/state_db.h"

namespace hotsplice::hostd {

// At most this many events per /api/v1/events answer (and the default).
inline constexpr std::size_t kMaxEventsPerPage = 1000;
inline constexpr std::size_t kDefaultEventsPerPage = 100;

// {"generated": now, "guest_directory": directory, "guests": [record...]}. directory is
// ApiModel::guest_directory(): while it is disconnected the guests are unknown, and the
// document says so rather than looking like an empty host.
Json guests_document(const std::vector<CoverageRecord>& records, Clock::time_point now,
                     const Json& directory);

// unknown_guest's message for id: while the guest directory is disconnected it says that
// guests are unknown until it reconnects (rather than that the guest does not exist).
std::string unknown_guest_message(const std::string& id, const Json& directory);

// The record and its "history": [{time, bundle_id, action, result, code, message}], oldest
// first. action is apply|rollback|report; result is the event (offered, applied, failed, ...).
Json guest_document(const CoverageRecord& record, const std::vector<GuestBundleRow>& history);

// {"patches": [{id, target, cves, description, guests{applied, pending, failed}}]}: every
// verified bundle, with how many records have it live, waiting, or failed.
Json patches_document(const std::vector<CatalogBundle>& bundles,
                      const std::vector<CoverageRecord>& records);

// {"events": [{cursor, time, guest, kind, bundle, code, message}], "next_cursor": n}.
// names maps record ids to names (an event of a guest no longer known keeps its id).
// next_cursor is the last event's cursor, or after when there were none.
Json events_document(const std::vector<GuestBundleRow>& events,
                     const std::map<std::string, std::string>& names, std::int64_t after);

// The record whose id equals id, or else whose name equals it; nullptr when none.
const CoverageRecord* find_record(const std::vector<CoverageRecord>& records,
                                  const std::string& id_or_name);

}  // namespace hotsplice::hostd
