#include "hostagent/container_coverage.h"

namespace hotsplice::hostd {

std::string container_record_id(const openvz::Container& container) {
  return "ct:" + container.id;
}

std::vector<CoverageRecord> container_records(const CoverageRecord& host,
                                              const std::vector<openvz::Container>& containers) {
  std::vector<CoverageRecord> records;
  records.reserve(containers.size());
  for (const auto& container : containers) {
    CoverageRecord record;
    record.id = container_record_id(container);
    record.name = container.name.empty() ? container.id : container.name;
    record.kind = kind::kContainer;
    record.covered_by = host.id;
    record.platform_evidence.push_back("listed by " + container.source + " as " + container.id +
                                       " (" + container.status + ")");
    if (!container.hostname.empty()) {
      record.platform_evidence.push_back("hostname " + container.hostname);
    }
    if (container.status != openvz::kStatusRunning) {
      record.status = GuestStatus::unknown;
      record.reason = "not running (" + container.status + ", " + container.source + ")";
      records.push_back(std::move(record));
      continue;
    }
    record.status = host.status;
    record.reason = "runs on the host kernel (" + container.source + ")" +
                    (host.reason.empty() ? "" : ": " + host.reason);
    record.kernel = host.kernel;
    record.effective_kernel = host.effective_kernel;
    record.applied = host.applied;
    record.available = host.available;
    record.cves_fixed = host.cves_fixed;
    record.cves_open = host.cves_open;
    record.cves_known = host.cves_known;
    record.last_contact = host.last_contact;
    record.last_known = host.last_known;  // a silent host agent: its containers are silent too
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace hotsplice::hostd
