#include "kmod/target_kernel/package_download.h"

#include <unistd.h>

#include <cstdio>

#include "core/base/file_io.h"
#include "kmod/kernel_tree/process.h"
#include "kmod/target_kernel/error_codes.h"

namespace hotsplice::target_kernel {
namespace {

namespace fs = std::filesystem;

std::string megabytes(std::uintmax_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
  return text;
}

}  // namespace

// A private directory next to `final` for work that is renamed into place when complete.
Expected<fs::path> staging_for(const fs::path& final) {
  const fs::path staging = final.string() + ".staging-" + std::to_string(getpid());
  std::error_code error;
  fs::remove_all(staging, error);
  if (auto status = ensure_directory(staging); !status) return status.error();
  return staging;
}

// Downloads package=version into `directory` with apt (which checks the archive's
// signatures and hashes) and returns the .deb's path.
Expected<fs::path> download_package(const std::string& package, const std::string& version,
                                    const fs::path& directory, const fs::path& log,
                                    std::vector<std::string>& downloads) {
  if (auto status = kernel_tree::run_logged({"apt-get", "download", "-q", package + "=" + version},
                                            directory, log);
      !status) {
    return status.error().with_context("downloading " + package + " " + version);
  }
  for (const auto& entry : fs::directory_iterator(directory)) {
    if (entry.path().extension() == ".deb" &&
        entry.path().filename().string().starts_with(package + "_")) {
      downloads.push_back("apt-get download " + package + "=" + version + " (" +
                          megabytes(entry.file_size()) + ")");
      return entry.path();
    }
  }
  return Error(errc::kInvalidPackage, "apt-get download " + package + " left no .deb");
}

// Extracts the members matching `members` (tar patterns) of a .deb's data into `directory`.
Status extract_members(const fs::path& deb, const std::string& members, const fs::path& directory,
                       const fs::path& log) {
  return kernel_tree::run_logged(
      {"sh", "-c", "dpkg-deb --fsys-tarfile \"$1\" | tar -x --wildcards -C \"$2\" \"$3\"", "sh",
       deb.string(), directory.string(), members},
      directory, log);
}

Expected<std::string> control_field(const fs::path& deb, const std::string& field) {
  return kernel_tree::capture_output({"dpkg-deb", "-f", deb.string(), field}, deb.parent_path());
}

}  // namespace hotsplice::target_kernel
