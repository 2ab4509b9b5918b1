#include "kmod/elfdiff/pairing.h"

#include <algorithm>
#include <map>

namespace hotsplice::elfdiff {
namespace {

std::size_t overlap(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::size_t count = 0;
  for (const std::string& name : a) count += b.count(name);
  return count;
}

// Pairs one group of same-named candidates: best referrer overlap first, then in order.
void pair_group(const std::vector<PairingCandidate>& before,
                const std::vector<PairingCandidate>& after, std::vector<std::size_t> left,
                std::vector<std::size_t> right, Pairing& pairing) {
  while (!left.empty() && !right.empty()) {
    std::size_t best_left = 0;
    std::size_t best_right = 0;
    std::size_t best = 0;
    for (std::size_t i = 0; i < left.size(); ++i) {
      for (std::size_t j = 0; j < right.size(); ++j) {
        const std::size_t shared = overlap(before[left[i]].referrers, after[right[j]].referrers);
        if (shared > best) {
          best = shared;
          best_left = i;
          best_right = j;
        }
      }
    }
    // With no shared referrer left, fall back to the order of appearance.
    pairing.matched.emplace_back(left[best_left], right[best_right]);
    left.erase(left.begin() + static_cast<std::ptrdiff_t>(best_left));
    right.erase(right.begin() + static_cast<std::ptrdiff_t>(best_right));
  }
  pairing.only_before.insert(pairing.only_before.end(), left.begin(), left.end());
  pairing.only_after.insert(pairing.only_after.end(), right.begin(), right.end());
}

}  // namespace

Pairing pair_candidates(const std::vector<PairingCandidate>& before,
                        const std::vector<PairingCandidate>& after) {
  std::map<std::string, std::pair<std::vector<std::size_t>, std::vector<std::size_t>>> groups;
  for (std::size_t i = 0; i < before.size(); ++i) groups[before[i].key].first.push_back(i);
  for (std::size_t i = 0; i < after.size(); ++i) groups[after[i].key].second.push_back(i);
  Pairing pairing;
  for (auto& [key, group] : groups) pair_group(before, after, group.first, group.second, pairing);
  std::sort(pairing.matched.begin(), pairing.matched.end());
  std::sort(pairing.only_before.begin(), pairing.only_before.end());
  std::sort(pairing.only_after.begin(), pairing.only_after.end());
  return pairing;
}

}  // namespace hotsplice::elfdiff
