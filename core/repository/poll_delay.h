// When to poll a remote repository next. A fleet of hosts started together (a power cut,
// a config rollout) must not hit the repository in lock-step forever, so every delay is
// spread uniformly around the base.
#pragma once

#include <algorithm>
#include <chrono>
#include <random>

namespace hotsplice::repository {

// A delay drawn uniformly from [base * (1 - j), base * (1 + j)], j = jitter_fraction
// clamped to [0, 1] (0: exactly base). rng: any uniform random bit generator, e.g. a
// std::mt19937_64 seeded once from std::random_device.
template <std::uniform_random_bit_generator Rng>
std::chrono::milliseconds next_poll_delay(std::chrono::milliseconds base, double jitter_fraction,
                                          Rng& rng) {
  double jitter = std::clamp(jitter_fraction, 0.0, 1.0);
  if (jitter == 0.0 || base.count() <= 0) return base;
  std::uniform_real_distribution<double> factor(1.0 - jitter, 1.0 + jitter);
  return std::chrono::milliseconds(
      static_cast<std::chrono::milliseconds::rep>(static_cast<double>(base.count()) * factor(rng)));
}

}  // namespace hotsplice::repository
