// A fresh directory under $TMPDIR for one test, removed with everything in it afterwards.
#pragma once

#include <filesystem>
#include <string_view>

namespace hotsplice::testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

  // Writes content to a file under the directory (creating parents) and returns its path.
  std::filesystem::path write(std::string_view relative, std::string_view content) const;

 private:
  std::filesystem::path path_;
};

}  // namespace hotsplice::testing
