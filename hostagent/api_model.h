// What hostd's API reads and does, behind one interface: the daemon implements it over the
// rollout engine, the state database and the catalogue; the HTTP router and the control
// socket call it. Every method runs on hostd's io_context.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/expected.h"
#include "core/base/json_reader.h"
#include "hostagent/bundle_catalog.h"
#include "hostagent/coverage.h"
#include "hostagent/state_db.h"

namespace hotsplice::hostd {

class ApiModel {
 public:
  virtual ~ApiModel() = default;

  // The coverage model: host, containers and guests, sorted by name.
  virtual std::vector<CoverageRecord> coverage() const = 0;
  // /api/v1/host: hostname, versions, host kernel, environment, summary, rollout, repository.
  virtual Json host() const = 0;
  // {uri, connected, since, why}: whether hostd reaches the hypervisor that lists its guests,
  // since when (ISO-8601 UTC; hostd's start until the first change) and why not.
  virtual Json guest_directory() const = 0;
  // One record's events, oldest first (unknown ids have none).
  virtual Expected<std::vector<GuestBundleRow>> history(const std::string& id) const = 0;
  virtual Expected<std::vector<GuestBundleRow>> events_after(std::int64_t cursor,
                                                             std::size_t limit) const = 0;
  virtual std::vector<CatalogBundle> bundles() const = 0;
  // The Prometheus exposition (metrics.h).
  virtual std::string metrics() const = 0;

  // Operator actions; errors: unknown_guest, guest_not_ready, unknown_bundle,
  // bundle_not_for_kernel (rollout_engine.h).
  virtual Expected<Json> apply(const std::string& guest, const std::string& patch) = 0;
  virtual Expected<Json> rollback(const std::string& guest, const std::string& patch) = 0;
  virtual Json pause() = 0;
  virtual Json resume() = 0;
  virtual Json rollout_status() const = 0;
};

}  // namespace hotsplice::hostd
