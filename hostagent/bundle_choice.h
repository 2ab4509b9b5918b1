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
  // target its kernel: why some of for_kernel are not wanted ("pinned at no patch", "pinned
  // to hs-1"). It says what the pin is, never what is live: an operator may have applied a
  // bundle above it (RolloutEngine::request_apply).
  std::string pin_note;
};

// pin: absent = no pin; "" = hold at no patch; otherwise the newest bundle id allowed.
BundleChoice choose_bundles(std::vector<CatalogBundle> for_kernel,
                            const std::optional<std::string>& pin);

// The pin that applies to a guest: by uuid first, then by name.
std::optional<std::string> pin_for(const std::map<std::string, std::string>& pins,
                                   const std::string& uuid, const std::string& name);

// The live bundle that supersedes bundle: the newest live one (by sequence) among for_kernel
// published after it, or nullptr. Every bundle hotsplice-build makes is an atomic-replace
// livepatch (kmod/trampoline: klp_patch.replace = true), so a newer level for the same kernel
// carries the older levels' fixes and replaces them in the kernel: an older level is then not
// missing, and applying it would downgrade the kernel. Its CVEs count as fixed only when the
// live bundle's own verified manifest lists them (coverage.cpp).
const CatalogBundle* superseded_by(const CatalogBundle& bundle,
                                   const std::vector<std::string>& live,
                                   const std::vector<CatalogBundle>& for_kernel);

// The next bundle the automatic rollout should apply: the first wanted bundle that is
// neither live nor superseded by a live one, unless the state records that one as failed or rolled
// back (it waits for an operator, and nothing newer is stacked over the gap). nullopt when there is
// none.
std::optional<CatalogBundle> next_automatic(const BundleChoice& choice,
                                            const std::vector<std::string>& live,
                                            const std::vector<GuestBundleRow>& recorded);

}  // namespace hotsplice::hostd
