// What an apply or rollback came to, and how long the kernel may take: the values the apply
// component hands back to whoever asked (guestd turns an Outcome into the protocol's result
// message, hostd records it for the node's own kernel).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include "core/base/expected.h"
#include "core/base/json_reader.h"
#include "core/protocol/error_codes.h"

namespace hotsplice::apply {

struct PatchTimeouts {
  // How long a transition may take before the blocking tasks get the fake signal...
  std::chrono::milliseconds transition{15000};
  // ...and how long after that before the patch is rolled back.
  std::chrono::milliseconds after_signal{5000};
  // How long the kernel must stay healthy (no new taint, no oops/BUG/WARNING logged) after
  // a transition completed before the attempt record is cleared. Zero: checked once, at
  // once (tests).
  std::chrono::milliseconds settle{60000};
};

struct Outcome {
  bool ok = false;
  std::string code;  // protocol::errc::kOk ("ok"), or the refusal's code
  std::string message;
  std::optional<Json> state;  // the patch's state as read back from sysfs

  static Outcome success(std::string message, std::optional<Json> state = std::nullopt) {
    return {true, protocol::errc::kOk, std::move(message), std::move(state)};
  }
  static Outcome failure(const Error& error) { return {false, error.code(), error.message(), {}}; }
};

}  // namespace hotsplice::apply
