// The files a unified diff touches, and the kernel objects built from them. Paths come
// from an untrusted file: only relative paths inside the tree are accepted.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/base/expected.h"

namespace hotsplice::kernel_tree {

struct PatchFiles {
  std::vector<std::string> files;  // relative to the tree root, e.g. "fs/proc/meminfo.c"
  int strip = 1;                   // the -p level for patch(1)
};

// Fails with "invalid_patch" when the diff names no file, an absolute path or "..".
Expected<PatchFiles> files_of_patch(std::string_view diff);

// The object built from each source ("fs/proc/meminfo.c" -> "fs/proc/meminfo.o"). Fails
// with "unsupported_patch" for headers and other files hotsplice cannot map to objects yet.
Expected<std::vector<std::string>> objects_of(const std::vector<std::string>& files);

}  // namespace hotsplice::kernel_tree
