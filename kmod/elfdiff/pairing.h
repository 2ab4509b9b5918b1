// Pairs the things of two builds (function units, data objects) that are the same thing
// in the source. Most have a unique normalised name. Those that share one (static locals
// called `counter` in two functions, several .constprop clones of one function) are
// paired by who refers to them, and only then by order.
#pragma once

#include <cstddef>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace hotsplice::elfdiff {

struct PairingCandidate {
  std::string key;                  // normalised name
  std::set<std::string> referrers;  // keys of the functions that refer to it
};

struct Pairing {
  std::vector<std::pair<std::size_t, std::size_t>> matched;  // (before, after) indices
  std::vector<std::size_t> only_before;
  std::vector<std::size_t> only_after;
  // Names whose candidates could not be paired by referrers within the work bound: what
  // was paired for them is a guess by order, and the caller must refuse them.
  std::vector<std::string> beyond_bound;
};

// Referrer comparisons allowed for one name before pairing gives up on it (a few million
// set look-ups: well under a second). Candidates with identical referrer sets are paired
// first in O(n log n) and do not count.
inline constexpr std::size_t kMaxPairingWork = std::size_t{1} << 22;

// Cost: O(n log n) in the number of candidates plus at most kMaxPairingWork per name.
Pairing pair_candidates(const std::vector<PairingCandidate>& before,
                        const std::vector<PairingCandidate>& after,
                        std::size_t max_work = kMaxPairingWork);

}  // namespace hotsplice::elfdiff
