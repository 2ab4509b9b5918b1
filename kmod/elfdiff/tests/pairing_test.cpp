// Pairing same-named candidates (hostile case 400-locals-named-f.o: hundreds of local
// functions called `f`) stays near-linear, and past its work bound says so.
#include <catch2/catch.hpp>

#include <algorithm>

#include "kmod/elfdiff/pairing.h"

using hotsplice::elfdiff::pair_candidates;
using hotsplice::elfdiff::PairingCandidate;

namespace {

std::vector<PairingCandidate> named_f(std::size_t count, std::size_t referrers_each) {
  std::vector<PairingCandidate> candidates;
  for (std::size_t i = 0; i < count; ++i) {
    PairingCandidate candidate{"f", {}};
    for (std::size_t r = 0; r < referrers_each; ++r) {
      candidate.referrers.insert("caller_" + std::to_string((i + r) % count));
    }
    candidates.push_back(std::move(candidate));
  }
  return candidates;
}

}  // namespace

TEST_CASE("thousands of same-named candidates with their own users pair one to one") {
  const auto before = named_f(20000, 1);
  auto after = before;
  std::reverse(after.begin(), after.end());  // order must not matter, users decide
  const auto pairing = pair_candidates(before, after);
  REQUIRE(pairing.matched.size() == 20000);
  CHECK(pairing.beyond_bound.empty());
  for (auto [old_index, new_index] : pairing.matched) CHECK(new_index == 19999 - old_index);
}

TEST_CASE("overlapping users pair by the most shared users") {
  std::vector<PairingCandidate> before = {{"f", {"a", "b"}}, {"f", {"c"}}};
  std::vector<PairingCandidate> after = {{"f", {"c", "d"}}, {"f", {"a", "b", "e"}}};
  const auto pairing = pair_candidates(before, after);
  REQUIRE(pairing.matched.size() == 2);
  CHECK(pairing.matched[0] == std::pair<std::size_t, std::size_t>{0, 1});
  CHECK(pairing.matched[1] == std::pair<std::size_t, std::size_t>{1, 0});
}

TEST_CASE("past the work bound a name is reported, not guessed silently") {
  // Every candidate shares users with every other (a dense overlap), so the overlap step
  // has quadratic work; a small bound makes pairing give up on `f` and say so.
  auto before = named_f(300, 50);
  auto after = named_f(300, 49);
  const auto pairing = pair_candidates(before, after, 1000);
  CHECK(pairing.beyond_bound == std::vector<std::string>{"f"});
  const auto unbounded = pair_candidates(before, after);
  CHECK(unbounded.beyond_bound.empty());
  CHECK(unbounded.matched.size() == 300);
}
