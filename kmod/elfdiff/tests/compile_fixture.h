// Builds a before/after pair of objects from a fixture at test time with the system gcc,
// the way kbuild would: -O2 -ffunction-sections -fdata-sections, no PIE, optionally with
// -pg -mfentry. Both sources are compiled under the same name so __FILE__ is equal.
#pragma once

#include <filesystem>
#include <string>

#include "core/base/expected.h"

namespace hotsplice::elfdiff::testing {

struct ObjectPair {
  std::filesystem::path before;
  std::filesystem::path after;
};

// Compiles fixtures/<name>.before.c and fixtures/<name>.after.c into directory with
// `compiler` ("gcc", or "clang" for the cases whose form depends on the compiler).
Expected<ObjectPair> compile_fixture_pair(const std::string& name,
                                          const std::filesystem::path& directory, bool fentry,
                                          const std::string& compiler = "gcc");

}  // namespace hotsplice::elfdiff::testing
