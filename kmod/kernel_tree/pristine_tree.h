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

// A copy of the prepared tree to build and patch in: hard links, so it costs seconds; the
// caller must break the link of any file it modifies (see detach_file).
Status make_work_copy(const std::filesystem::path& pristine, const std::filesystem::path& work,
                      const std::filesystem::path& log);

// Replaces a hard-linked file by a private copy, so editing it leaves the cache intact.
Status detach_file(const std::filesystem::path& file);

}  // namespace hotsplice::kernel_tree
