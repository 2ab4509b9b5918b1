#include "core/kernel/directory_listing.h"

#include <algorithm>

#include "core/base/file_io.h"

namespace hotsplice {

Expected<std::vector<std::string>> list_subdirectories(const std::filesystem::path& path) {
  std::error_code error;
  std::filesystem::directory_iterator entries(path, error);
  if (error) return io_error("list " + path.string(), error.value());
  std::vector<std::string> names;
  for (; entries != std::filesystem::directory_iterator(); entries.increment(error)) {
    if (error) return io_error("list " + path.string(), error.value());
    std::error_code type_error;
    // A directory that vanished since it was listed (an exited task) is simply not there.
    if (entries->is_directory(type_error) && !entries->is_symlink(type_error)) {
      names.push_back(entries->path().filename().string());
    }
  }
  if (error) return io_error("list " + path.string(), error.value());
  std::sort(names.begin(), names.end());
  return names;
}

bool path_exists(const std::filesystem::path& path) {
  std::error_code error;
  return std::filesystem::exists(std::filesystem::symlink_status(path, error)) && !error;
}

}  // namespace hotsplice
