// Unwraps harness results in Catch2 tests: a failure shows the error's code and message
// (which, for guest errors, carries the console log).
#pragma once

#include <catch2/catch.hpp>

#include <utility>

#include "core/base/expected.h"

namespace hotsplice::vm {

template <typename T>
T require_ok(Expected<T> result) {
  if (!result) FAIL(result.error().code() << ": " << result.error().message());
  return std::move(result).value();
}

inline void require_ok(const Status& status) {
  if (!status) FAIL(status.error().code() << ": " << status.error().message());
}

}  // namespace hotsplice::vm
