// A BundleCatalog over a list the test writes: the rollout tests' stand-in for the
// repository cache (which has its own tests on real signed bundles). Bytes are the id.
#pragma once

#include <algorithm>

#include "hostagent/bundle_catalog.h"

namespace hotsplice::hostd::testing {

class ListCatalog : public BundleCatalog {
 public:
  std::vector<CatalogBundle> bundles;
  std::string generation_name = "gen-1";

  std::vector<CatalogBundle> bundles_for(const KernelIdentity& kernel) const override {
    std::vector<CatalogBundle> out;
    std::copy_if(bundles.begin(), bundles.end(), std::back_inserter(out),
                 [&](const CatalogBundle& b) { return b.target == kernel; });
    return out;
  }
  std::vector<CatalogBundle> all_bundles() const override { return bundles; }
  Expected<std::shared_ptr<const std::string>> bundle_bytes(const std::string& id) const override {
    return std::make_shared<const std::string>(id);
  }
  std::string generation() const override { return generation_name; }
};

}  // namespace hotsplice::hostd::testing
