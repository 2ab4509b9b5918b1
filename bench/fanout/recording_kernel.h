// The only part of a simulated guest that is not the real guest agent: the kernel. A
// RecordingKernel stands in for finit_module/delete_module and for the kernel's side of
// /sys/kernel/livepatch under the simulated guest's root: a "load" records the module and
// publishes its patch directory with the transition already complete, as a kernel whose
// tasks all switched at once would. Everything above it (protocol, transfer, signature and
// sha256 checks, state files, PatchManager's sysfs reads) is the real code.
//
// Linked only into hotsplice-guestd-sim (bench/fanout); the shipped hotsplice-guestd links
// LinuxModuleSyscalls and has no option that reaches this class.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "core/livepatch/module_syscalls.h"

namespace hotsplice::bench {

class RecordingKernel final : public ModuleSyscalls {
 public:
  // root: the simulated guest's "/" (PatchManager reads <root>/sys/kernel/livepatch).
  explicit RecordingKernel(std::filesystem::path root) : root_(std::move(root)) {}

  // Reads the module's name from its .modinfo (through /proc/self/fd), then creates
  // <root>/sys/kernel/livepatch/<name>/{enabled=1,transition=0}. Returns EINVAL for a file
  // that is not a module, EEXIST when that patch is already loaded.
  int finit_module(int fd, const std::string& params, int flags) override;
  // Removes the patch directory; ENOENT when nothing by that name is loaded.
  int delete_module(const std::string& name, int flags) override;

  // Loads recorded so far.
  int loads() const { return loads_.load(); }

 private:
  std::filesystem::path patch_dir(const std::string& name) const {
    return root_ / "sys/kernel/livepatch" / name;
  }

  std::filesystem::path root_;
  std::atomic<int> loads_{0};
};

}  // namespace hotsplice::bench
