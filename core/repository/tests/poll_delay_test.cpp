#include "core/repository/poll_delay.h"

#include <catch2/catch.hpp>
#include <set>

using hotsplice::repository::next_poll_delay;
using std::chrono::milliseconds;

TEST_CASE("next_poll_delay spreads delays within the jitter and nowhere else") {
  std::mt19937_64 rng(42);
  const milliseconds base(600000);
  std::set<milliseconds::rep> seen;
  for (int i = 0; i < 1000; ++i) {
    milliseconds delay = next_poll_delay(base, 0.1, rng);
    CHECK(delay >= milliseconds(540000));
    CHECK(delay <= milliseconds(660000));
    seen.insert(delay.count());
  }
  CHECK(seen.size() > 900);  // spread, not a handful of values
  CHECK(*seen.begin() < 550000);
  CHECK(*seen.rbegin() > 650000);
  CHECK(next_poll_delay(base, 0.0, rng) == base);
  CHECK(next_poll_delay(base, -3.0, rng) == base);  // clamped to no jitter
  for (int i = 0; i < 100; ++i) {
    milliseconds delay = next_poll_delay(base, 7.0, rng);  // clamped to 1
    CHECK(delay >= milliseconds(0));
    CHECK(delay <= milliseconds(1200000));
  }
  CHECK(next_poll_delay(milliseconds(0), 0.5, rng) == milliseconds(0));
}
