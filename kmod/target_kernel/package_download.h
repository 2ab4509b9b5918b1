// Debian packages fetched by hotsplice-build: `apt-get download` (apt checks the archive's
// signatures and hashes) into a private staging directory, members extracted with
// dpkg-deb, results renamed into the cache only when complete.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/base/expected.h"

namespace hotsplice::target_kernel {

// A fresh private directory next to `final` (<final>.staging-<pid>) for work that is
// renamed into place when complete.
Expected<std::filesystem::path> staging_for(const std::filesystem::path& final);

// Downloads package=version into `directory` and returns the .deb's path; appends
// "apt-get download P=V (N MB)" to `downloads`. Commands and their output go to `log`.
Expected<std::filesystem::path> download_package(const std::string& package,
                                                 const std::string& version,
                                                 const std::filesystem::path& directory,
                                                 const std::filesystem::path& log,
                                                 std::vector<std::string>& downloads);

// Extracts the members matching `members` (tar patterns) of a .deb's data into `directory`.
Status extract_members(const std::filesystem::path& deb, const std::string& members,
                       const std::filesystem::path& directory, const std::filesystem::path& log);

// A control field of a .deb (dpkg-deb -f), e.g. "Depends".
Expected<std::string> control_field(const std::filesystem::path& deb, const std::string& field);

}  // namespace hotsplice::target_kernel
