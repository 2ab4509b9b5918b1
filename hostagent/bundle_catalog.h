// The seam between the rollout engine and where bundles come from: the verified bundles of
// the repository cache (core/repository RepositoryCache), in the order they were published.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/base/expected.h"
#include "core/base/json_reader.h"
#include "core/kernel/kernel_identity.h"

namespace hotsplice::hostd {

struct CatalogBundle {
  std::string id;
  KernelIdentity target;
  std::vector<std::string> cves;
  // Publication order among bundles for the same kernel: a pin to a bundle means "this one
  // and the ones published before it" (patch levels grow).
  std::uint64_t sequence = 0;
  std::string description;  // the manifest's, for humans
};

class BundleCatalog {
 public:
  virtual ~BundleCatalog() = default;
  // Verified bundles whose target equals kernel exactly (release, version and build-id),
  // in publication order. Never a quarantined bundle.
  virtual std::vector<CatalogBundle> bundles_for(const KernelIdentity& kernel) const = 0;
  // Every verified bundle, whatever its kernel, in publication order (the API's patch list).
  virtual std::vector<CatalogBundle> all_bundles() const = 0;
  // The bytes of a verified bundle (read on demand, bounded by the protocol's limit).
  virtual Expected<std::shared_ptr<const std::string>> bundle_bytes(
      const std::string& id) const = 0;
  // Changes whenever the set of bundles changes (the repository index version); a new
  // generation starts a new rollout.
  virtual std::string generation() const = 0;
  // Where the bundles come from and how the last refresh went, for `hotsplice status`.
  virtual Json status() const { return Json::object(); }
};

}  // namespace hotsplice::hostd
