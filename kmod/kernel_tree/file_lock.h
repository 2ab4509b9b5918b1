// An exclusive flock(2) on a lock file, held for the object's lifetime. The kernel drops it
// when the holder dies, so a crashed build never leaves the cache locked.
#pragma once

#include <filesystem>

#include "core/base/expected.h"

namespace hotsplice::kernel_tree {

class FileLock {
 public:
  // Creates the file if needed and waits for the lock.
  static Expected<FileLock> acquire(const std::filesystem::path& path);
  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace hotsplice::kernel_tree
