// A configured kernel tree, prepared once (extract, .config, `make olddefconfig` and
// `make modules_prepare`) and kept in a cache keyed by the exact source and config, so
// every later build starts from it in seconds.
#pragma once

#include <filesystem>

#include "core/base/expected.h"

namespace hotsplice::kernel_tree {

// What every kbuild invocation gets, identically before and after the fix: one section
// per function and per variable, so the comparison sees each of them on its own.
inline constexpr const char* kSectionCflags = "KCFLAGS=-ffunction-sections -fdata-sections";

struct TreeSource {
  std::filesystem::path source;  // linux-source-*.tar.xz or an unpacked tree
  std::filesystem::path config;  // e.g. /boot/config-6.1.0-56-amd64
  std::filesystem::path cache;   // where prepared trees are kept
  int jobs = 2;
};

// The prepared tree for this source and config, reusing the cache when it holds one.
// Progress goes to log.
Expected<std::filesystem::path> prepare_pristine_tree(const TreeSource& source,
                                                      const std::filesystem::path& log);

}  // namespace hotsplice::kernel_tree
