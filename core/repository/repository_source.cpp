#include "core/repository/repository_source.h"

#include "core/base/file_io.h"
#include "core/repository/error_codes.h"

namespace hotsplice::repository {

Status check_file_name(std::string_view name) {
  if (!is_safe_file_name(name)) {
    // Appended, not `"\"" + std::string`: GCC 12 at -O3 warns -Wrestrict on that (bug 105329).
    std::string message = "\"";
    message += name;
    message += "\" is not a plain file name in a repository";
    return Error(errc::kInvalidName, std::move(message));
  }
  return Status::ok();
}

LocalDirectorySource::LocalDirectorySource(std::filesystem::path directory)
    : directory_(std::move(directory)) {}

std::string LocalDirectorySource::describe() const {
  return directory_.string();
}

Expected<std::string> LocalDirectorySource::fetch(std::string_view name, std::size_t max_bytes) {
  if (Status checked = check_file_name(name); !checked) return checked.error();
  std::filesystem::path path = directory_ / name;
  std::error_code error;
  if (!std::filesystem::exists(path, error) && !error) {
    return Error(errc::kNotFound, path.string() + ": no such file in the repository");
  }
  auto size = std::filesystem::file_size(path, error);
  if (!error && size > max_bytes) {
    return Error(errc::kDownloadTooLarge, path.string() + ": " + std::to_string(size) +
                                              " bytes, more than the limit of " +
                                              std::to_string(max_bytes));
  }
  // read_file bounds the read again, for a file that grows in between.
  return read_file(path, max_bytes);
}

}  // namespace hotsplice::repository
