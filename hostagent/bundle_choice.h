// Which bundles a guest should have: pure functions over what the catalogue offers for its
// exact kernel, its pin, what it reports live and what the state database remembers.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "hostagent/bundle_catalog.h"
#include "hostagent/state_db.h"

namespace hotsplice::hostd {

struct BundleChoice {
  std::vector<CatalogBundle> for_kernel;  // every bundle targeting the kernel exactly
  std::vector<CatalogBundle> wanted;      // those within the pin, in publication order
  // Set when a pin holds the guest below the newest level, or names a bundle that does not
  // target its kernel: why some of for_kernel are not wanted.
  std::string pin_note;
};

// pin: absent = no pin; "" = hold at no patch; otherwise the newest bundle id allowed.
BundleChoice choose_bundles(std::vector<CatalogBundle> for_kernel,
                            const std::optional<std::string>& pin);

// The pin that applies to a guest: by uuid first, then by name.
std::optional<std::string> pin_for(const std::map<std::string, std::string>& pins,
                                   const std::string& uuid, const std::string& name);

// The next bundle the automatic rollout should apply: the first wanted bundle that is not
// live, unless the state records that one as failed or rolled back (it waits for an
// operator, and nothing newer is stacked over the gap). nullopt when there is none.
std::optional<CatalogBundle> next_automatic(const BundleChoice& choice,
                                            const std::vector<std::string>& live,
                                            const std::vector<GuestBundleRow>& recorded);

}  // namespace hotsplice::hostd
