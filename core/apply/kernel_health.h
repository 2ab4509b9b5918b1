// Did the kernel stay healthy while a new patch settled? Two signs, both read under root:
// - /proc/sys/kernel/tainted gaining a bit other than the ones loading a livepatch module
//   sets by itself (K livepatch, O out-of-tree, E unsigned): D (died: an oops), W (a
//   WARNING), L (soft lockup), B (bad page), ... ;
// - the kernel log (/dev/kmsg, from the watch's creation on) showing an oops, a BUG or a
//   WARNING, e.g. "BUG: kernel NULL pointer dereference", "Oops: 0000 [#1]",
//   "WARNING: CPU: 0 PID: 1 at ...", "kernel BUG at mm/slub.c:...".
// A watch is created before the module is loaded, so what the load itself logs counts.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "core/base/expected.h"

namespace hotsplice::apply {

// The taint bits a livepatch load sets on a healthy kernel (include/linux/panic.h:
// TAINT_OOT_MODULE 12, TAINT_UNSIGNED_MODULE 13, TAINT_LIVEPATCH 15).
inline constexpr std::uint64_t kLivepatchTaintBits = (1u << 12) | (1u << 13) | (1u << 15);

// The taint mask in <root>/proc/sys/kernel/tainted. Unreadable or malformed: an error
// naming the file (a test tree without the file, a kernel without procfs).
Expected<std::uint64_t> read_taint(const std::filesystem::path& root);

// The first line of a kernel log text that reports a kernel bug, if any.
std::optional<std::string> find_kernel_bug_line(std::string_view log_text);

class KernelHealthWatch {
 public:
  // Takes the taint baseline and opens <root>/dev/kmsg at its end. Neither is required:
  // a sign that cannot be read is not watched (logged by the caller through watched()).
  explicit KernelHealthWatch(const std::filesystem::path& root);
  ~KernelHealthWatch();
  KernelHealthWatch(const KernelHealthWatch&) = delete;
  KernelHealthWatch& operator=(const KernelHealthWatch&) = delete;

  // errc::kKernelBugDetected naming the new taint bits or the log line, once either shows;
  // OK while the kernel looks healthy. Non-blocking: reads what is there and returns.
  Status check();
  // "taint and kernel log", "taint", "kernel log" or "nothing": what check() can see.
  std::string watched() const;

 private:
  std::filesystem::path root_;
  std::optional<std::uint64_t> taint_baseline_;
  int kmsg_fd_ = -1;
  std::string partial_line_;  // a line cut by a read of a regular file (recorded trees)
};

}  // namespace hotsplice::apply
