#include "hostagent/bundle_choice.h"

#include <algorithm>

namespace hotsplice::hostd {

BundleChoice choose_bundles(std::vector<CatalogBundle> for_kernel,
                            const std::optional<std::string>& pin) {
  std::stable_sort(
      for_kernel.begin(), for_kernel.end(),
      [](const CatalogBundle& a, const CatalogBundle& b) { return a.sequence < b.sequence; });
  BundleChoice choice;
  choice.for_kernel = for_kernel;
  if (!pin) {
    choice.wanted = std::move(for_kernel);
    return choice;
  }
  if (pin->empty()) {
    if (!choice.for_kernel.empty()) choice.pin_note = "pinned at no patch";
    return choice;
  }
  auto pinned = std::find_if(for_kernel.begin(), for_kernel.end(),
                             [&](const CatalogBundle& b) { return b.id == *pin; });
  if (pinned == for_kernel.end()) {
    choice.pin_note = "pinned to " + *pin + ", which does not target this kernel";
    return choice;
  }
  choice.wanted.assign(for_kernel.begin(), pinned + 1);
  if (pinned + 1 != for_kernel.end()) choice.pin_note = "pinned to " + *pin;
  return choice;
}

std::optional<std::string> pin_for(const std::map<std::string, std::string>& pins,
                                   const std::string& uuid, const std::string& name) {
  if (auto it = pins.find(uuid); it != pins.end()) return it->second;
  if (auto it = pins.find(name); it != pins.end()) return it->second;
  return std::nullopt;
}

const CatalogBundle* superseded_by(const CatalogBundle& bundle,
                                   const std::vector<std::string>& live,
                                   const std::vector<CatalogBundle>& for_kernel) {
  const CatalogBundle* newest = nullptr;
  for (const auto& candidate : for_kernel) {
    if (candidate.sequence <= bundle.sequence) continue;
    if (std::find(live.begin(), live.end(), candidate.id) == live.end()) continue;
    if (!newest || candidate.sequence > newest->sequence) newest = &candidate;
  }
  return newest;
}

std::optional<CatalogBundle> next_automatic(const BundleChoice& choice,
                                            const std::vector<std::string>& live,
                                            const std::vector<GuestBundleRow>& recorded) {
  for (const auto& bundle : choice.wanted) {
    if (std::find(live.begin(), live.end(), bundle.id) != live.end()) continue;
    if (superseded_by(bundle, live, choice.for_kernel)) continue;
    auto row = std::find_if(recorded.begin(), recorded.end(),
                            [&](const GuestBundleRow& r) { return r.bundle_id == bundle.id; });
    if (row != recorded.end() &&
        (row->state == BundleEvent::failed || row->state == BundleEvent::rolled_back)) {
      return std::nullopt;  // levels build on each other: nothing newer goes on top of a gap
    }
    return bundle;
  }
  return std::nullopt;
}

}  // namespace hotsplice::hostd
