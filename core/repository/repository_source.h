// Where a repository's files come from. A repository is a flat set of files: index.json,
// index.sig and the bundles the index lists. A source fetches one of them by name, whole,
// never more than a given number of bytes. Sources judge nothing: checking what they return
// is RepositoryCache's job.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/base/expected.h"

namespace hotsplice::repository {

class RepositorySource {
 public:
  virtual ~RepositorySource() = default;

  // The whole file `name` (a plain file name, never a path). Fails with errc::kNotFound
  // when the repository has no such file, errc::kDownloadTooLarge when it holds more than
  // max_bytes, errc::kInvalidName for a name that is not a plain file name, and with
  // source-specific codes (I/O, HTTP) otherwise. Every message names the source and file.
  virtual Expected<std::string> fetch(std::string_view name, std::size_t max_bytes) = 0;

  // For messages and logs: the directory or base URL.
  virtual std::string describe() const = 0;
};

// A directory on this machine (the default, and what air-gapped sites use: the operator
// copies a repository in with `hotsplice repo add`, rsync or removable media).
class LocalDirectorySource final : public RepositorySource {
 public:
  explicit LocalDirectorySource(std::filesystem::path directory);

  Expected<std::string> fetch(std::string_view name, std::size_t max_bytes) override;
  std::string describe() const override;

 private:
  std::filesystem::path directory_;
};

// The check every source applies to a name before it touches anything.
Status check_file_name(std::string_view name);

}  // namespace hotsplice::repository
