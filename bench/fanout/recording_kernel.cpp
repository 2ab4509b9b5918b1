#include "bench/fanout/recording_kernel.h"

#include <cerrno>

#include "core/base/file_io.h"
#include "core/kernel/module_info.h"

namespace hotsplice::bench {

int RecordingKernel::finit_module(int fd, const std::string&, int) {
  auto info = read_module_info("/proc/self/fd/" + std::to_string(fd));
  if (!info || info->name.empty()) return EINVAL;
  auto dir = patch_dir(info->name);
  std::error_code ignored;
  if (std::filesystem::exists(dir, ignored)) return EEXIST;
  // transition first, then enabled: a reader that sees the directory sees it complete.
  if (!ensure_directory(dir / "vmlinux") || !write_file_atomically(dir / "transition", "0\n") ||
      !write_file_atomically(dir / "signal", "") ||
      !write_file_atomically(dir / "enabled", "1\n")) {
    return EIO;
  }
  ++loads_;
  return 0;
}

int RecordingKernel::delete_module(const std::string& name, int) {
  std::error_code ignored;
  return std::filesystem::remove_all(patch_dir(name), ignored) > 0 ? 0 : ENOENT;
}

}  // namespace hotsplice::bench
