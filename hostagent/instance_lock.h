// One hotsplice-hostd per state directory: an exclusive flock(2) on <state_dir>/hostd.lock,
// held for the daemon's life. The kernel drops it when the process ends, however it ends
// (a SIGKILLed hostd leaves no stale lock), so no pid file has to be trusted.
#pragma once

#include <filesystem>

#include "core/base/expected.h"

namespace hotsplice::hostd {

class InstanceLock {
 public:
  // Creates state_dir (0755) if absent, opens or creates its hostd.lock (0600) and takes
  // the lock without waiting. Errors: errc::kAlreadyRunning when another process holds it
  // (the message names the file and the holder's pid as it wrote it), errc::kInstanceLock
  // when the directory or file cannot be made or locked. Nothing else is touched.
  static Expected<InstanceLock> acquire(const std::filesystem::path& state_dir);

  InstanceLock(InstanceLock&& other) noexcept;
  InstanceLock& operator=(InstanceLock&& other) noexcept;
  InstanceLock(const InstanceLock&) = delete;
  InstanceLock& operator=(const InstanceLock&) = delete;
  ~InstanceLock();

  const std::filesystem::path& path() const { return path_; }

 private:
  InstanceLock(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::filesystem::path path_;
};

}  // namespace hotsplice::hostd
