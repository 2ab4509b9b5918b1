// HOTSPLICE_FUZZ_VERBOSE=1: a target says why an input was refused, so whoever writes seeds
// can tell a seed meant to be accepted from one that only reaches the first check.
#pragma once

#include <cstdio>
#include <cstdlib>

#include "core/base/expected.h"

namespace hotsplice::fuzzing {

inline void report_refusal(const Error& error) {
  static const bool verbose = std::getenv("HOTSPLICE_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "refused: %s\n", error.message().c_str());
}

}  // namespace hotsplice::fuzzing
