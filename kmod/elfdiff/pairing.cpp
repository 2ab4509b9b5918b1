#include "kmod/elfdiff/pairing.h"

#include <algorithm>
#include <deque>
#include <map>

namespace hotsplice::elfdiff {
namespace {

using Indices = std::vector<std::size_t>;

// Step 1: candidates with exactly the same referrers, in order of appearance.
void pair_identical_referrers(const std::vector<PairingCandidate>& before,
                              const std::vector<PairingCandidate>& after, Indices& left,
                              Indices& right, Pairing& pairing) {
  std::map<std::set<std::string>, std::deque<std::size_t>> waiting;
  for (std::size_t i : left) waiting[before[i].referrers].push_back(i);
  Indices unpaired_right;
  std::set<std::size_t> paired_left;
  for (std::size_t j : right) {
    auto found = waiting.find(after[j].referrers);
    if (found == waiting.end() || found->second.empty()) {
      unpaired_right.push_back(j);
      continue;
    }
    pairing.matched.emplace_back(found->second.front(), j);
    paired_left.insert(found->second.front());
    found->second.pop_front();
  }
  std::erase_if(left, [&](std::size_t i) { return paired_left.count(i) != 0; });
  right = std::move(unpaired_right);
}

// Step 2: each remaining `before` candidate, in order, takes the remaining `after`
// candidate sharing the most referrers (found through an index by referrer, so the work
// is the number of shared (referrer, candidate) pairs, not |left| x |right|).
bool pair_by_overlap(const std::vector<PairingCandidate>& before,
                     const std::vector<PairingCandidate>& after, Indices& left, Indices& right,
                     std::size_t max_work, Pairing& pairing) {
  std::map<std::string, Indices> by_referrer;
  for (std::size_t j : right) {
    for (const std::string& referrer : after[j].referrers) by_referrer[referrer].push_back(j);
  }
  std::set<std::size_t> taken;
  Indices unpaired_left;
  std::size_t work = 0;
  for (std::size_t i : left) {
    std::map<std::size_t, std::size_t> shared;  // right candidate -> shared referrers
    for (const std::string& referrer : before[i].referrers) {
      auto found = by_referrer.find(referrer);
      if (found == by_referrer.end()) continue;
      work += found->second.size();
      if (work > max_work) return false;
      for (std::size_t j : found->second) {
        if (!taken.count(j)) ++shared[j];
      }
    }
    std::size_t best = 0;
    std::size_t best_right = 0;
    for (auto [j, count] : shared) {
      if (count > best) {  // ties: the earliest, as the map is ordered
        best = count;
        best_right = j;
      }
    }
    if (best == 0) {
      unpaired_left.push_back(i);
      continue;
    }
    pairing.matched.emplace_back(i, best_right);
    taken.insert(best_right);
  }
  left = std::move(unpaired_left);
  std::erase_if(right, [&](std::size_t j) { return taken.count(j) != 0; });
  return true;
}

void pair_group(const std::string& key, const std::vector<PairingCandidate>& before,
                const std::vector<PairingCandidate>& after, Indices left, Indices right,
                std::size_t max_work, Pairing& pairing) {
  if (left.size() == 1 && right.size() == 1) {
    pairing.matched.emplace_back(left.front(), right.front());
    return;
  }
  pair_identical_referrers(before, after, left, right, pairing);
  if (!left.empty() && !right.empty() &&
      !pair_by_overlap(before, after, left, right, max_work, pairing)) {
    pairing.beyond_bound.push_back(key);
  }
  // With no shared referrer left, fall back to the order of appearance.
  const std::size_t common = std::min(left.size(), right.size());
  for (std::size_t k = 0; k < common; ++k) pairing.matched.emplace_back(left[k], right[k]);
  pairing.only_before.insert(pairing.only_before.end(), left.begin() + common, left.end());
  pairing.only_after.insert(pairing.only_after.end(), right.begin() + common, right.end());
}

}  // namespace

Pairing pair_candidates(const std::vector<PairingCandidate>& before,
                        const std::vector<PairingCandidate>& after, std::size_t max_work) {
  std::map<std::string, std::pair<Indices, Indices>> groups;
  for (std::size_t i = 0; i < before.size(); ++i) groups[before[i].key].first.push_back(i);
  for (std::size_t i = 0; i < after.size(); ++i) groups[after[i].key].second.push_back(i);
  Pairing pairing;
  for (auto& [key, group] : groups) {
    pair_group(key, before, after, std::move(group.first), std::move(group.second), max_work,
               pairing);
  }
  std::sort(pairing.matched.begin(), pairing.matched.end());
  std::sort(pairing.only_before.begin(), pairing.only_before.end());
  std::sort(pairing.only_after.begin(), pairing.only_after.end());
  return pairing;
}

}  // namespace hotsplice::elfdiff
