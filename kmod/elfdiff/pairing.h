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
};

Pairing pair_candidates(const std::vector<PairingCandidate>& before,
                        const std::vector<PairingCandidate>& after);

}  // namespace hotsplice::elfdiff
