// The files a unified diff touches, and the kernel objects built from them. Paths come
// from an untrusted file: only relative paths inside the tree are accepted.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/expected.h"

namespace hotsplice::kernel_tree {

struct PatchFiles {
  std::vector<std::string> files;  // relative to the tree root, e.g. "fs/proc/meminfo.c"
  int strip = 1;                   // the -p level for patch(1)
};

// Whether a path relative to the tree root names a file of the tree.
using FileExists = std::function<bool(const std::string& path)>;

// The files of a unified diff (git or plain "diff -u") with their prefix stripped as patch(1)
// would: the prefix is what the two names of each file differ in ("a/" "b/",
// "src.orig/" "src/"); when both names share it, exists (the pristine tree) decides.
// Fails with "invalid_patch" when the diff names no file, an absolute path, "..", or files
// that need different strip levels.
Expected<PatchFiles> files_of_patch(std::string_view diff, const FileExists& exists = {});

// The object built from each source ("fs/proc/meminfo.c" -> "fs/proc/meminfo.o"). Fails
// with "unsupported_patch" for headers and other files hotsplice cannot map to objects yet.
Expected<std::vector<std::string>> objects_of(const std::vector<std::string>& files);

}  // namespace hotsplice::kernel_tree
