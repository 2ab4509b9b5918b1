// Listing the entries of a kernel directory (sysfs, procfs) without exceptions. procfs
// entries come and go while we read them, so a listing is a snapshot, sorted so that output
// built from it is stable.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/base/expected.h"

namespace hotsplice {

// Names of the subdirectories of path, sorted. Fails with "io_error" naming the path when
// it cannot be opened or read (a missing path included: callers decide what absence means).
Expected<std::vector<std::string>> list_subdirectories(const std::filesystem::path& path);

// Whether path exists at all; false on any error (used to tell "gone" from "malformed").
bool path_exists(const std::filesystem::path& path);

}  // namespace hotsplice
