// A point in time after which a wait gives up. Every wait in the VM harness takes one, so
// nothing in a test can block forever on a guest that never answers.
#pragma once

#include <algorithm>
#include <chrono>

namespace hotsplice::vm {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;

  static Deadline after(Clock::duration duration) { return Deadline(Clock::now() + duration); }

  bool expired() const { return Clock::now() >= at_; }

  std::chrono::milliseconds remaining() const {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(at_ - Clock::now());
    return std::max(left, std::chrono::milliseconds(0));
  }

  // The earlier of this deadline and one `duration` from now.
  Deadline capped(Clock::duration duration) const {
    return Deadline(std::min(at_, Clock::now() + duration));
  }

 private:
  explicit Deadline(Clock::time_point at) : at_(at) {}
  Clock::time_point at_;
};

}  // namespace hotsplice::vm
