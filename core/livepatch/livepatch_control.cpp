#include "core/livepatch/livepatch_control.h"

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <thread>

#include "core/base/file_io.h"
#include "core/base/unique_fd.h"
#include "core/kernel/directory_listing.h"
#include "core/kernel/kernel_file.h"
#include "core/kernel/module_info.h"
#include "core/livepatch/error_codes.h"
#include "core/livepatch/module_syscall_errors.h"

namespace hotsplice {
namespace {

// A stall report names this many tasks, then counts the rest: the first few say where the
// problem is, a thousand lines would bury it.
constexpr std::size_t kBlockingTasksNamed = 10;

std::string target_name(bool enabled) {
  return enabled ? "patched" : "unpatched";
}

}  // namespace

LivepatchControl::LivepatchControl(std::filesystem::path root, ModuleSyscalls& syscalls,
                                   std::chrono::milliseconds poll_interval)
    : root_(std::move(root)), syscalls_(syscalls), poll_interval_(poll_interval) {}

std::filesystem::path LivepatchControl::patch_dir(std::string_view patch_name) const {
  return livepatch_sysfs_dir(root_) / patch_name;
}

Status LivepatchControl::load(const std::filesystem::path& module_path, std::string_view params) {
  UniqueFd fd(::open(module_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return io_error("open " + module_path.string(), errno);
  // flags 0: never MODULE_INIT_IGNORE_VERMAGIC/MODVERSIONS, the kernel's own check that the
  // module was built for it is one more safety net.
  int errnum = syscalls_.finit_module(fd.get(), std::string(params), 0);
  if (errnum != 0) return load_error(module_path.string(), errnum);
  return Status::ok();
}

Status LivepatchControl::wait_for_transition(std::string_view patch_name,
                                             std::chrono::milliseconds timeout) {
  return wait(patch_name, timeout, IfAbsent::kNotFound);
}

Status LivepatchControl::wait(std::string_view patch_name, std::chrono::milliseconds timeout,
                              IfAbsent if_absent_at_start) {
  if (auto valid = check_livepatch_name(patch_name); !valid) return valid;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::filesystem::path transition_path = patch_dir(patch_name) / "transition";
  bool seen = false;
  for (;;) {
    auto in_transition = read_kernel_flag(transition_path);
    if (!in_transition) {
      if (path_exists(patch_dir(patch_name))) return in_transition.error();
      // Gone: a disabled patch is freed (with its sysfs directory) when it reaches unpatched.
      if (seen || if_absent_at_start == IfAbsent::kDone) return Status::ok();
      return Error(livepatch::errc::kLivepatchNotFound, "waiting for the transition of " +
                                                            std::string(patch_name) + ": no " +
                                                            patch_dir(patch_name).string());
    }
    seen = true;
    if (!*in_transition) return Status::ok();
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return stalled(patch_name, timeout);
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(poll_interval_, deadline - now));
  }
}

Error LivepatchControl::stalled(std::string_view patch_name,
                                std::chrono::milliseconds timeout) const {
  std::string message = "livepatch " + std::string(patch_name) + ": transition";
  auto enabled = read_kernel_flag(patch_dir(patch_name) / "enabled");
  if (enabled) message += " to " + target_name(*enabled);
  message += " not complete after " + std::to_string(timeout.count()) + " ms";
  auto tasks = blocking_tasks(patch_name);
  if (!tasks) {
    message += "; blocking tasks unknown: " + tasks.error().message();
  } else if (tasks->empty()) {
    // Idle tasks (one per CPU) and tasks in other PID namespaces are not in this /proc.
    message += "; no blocking task visible in " + (root_ / "proc").string();
  } else {
    message += "; " + std::to_string(tasks->size()) + " task(s) still blocking it: ";
    for (std::size_t i = 0; i < tasks->size() && i < kBlockingTasksNamed; ++i) {
      message += (i == 0 ? "" : "; ") + describe((*tasks)[i]);
    }
    if (tasks->size() > kBlockingTasksNamed) {
      message += "; and " + std::to_string(tasks->size() - kBlockingTasksNamed) + " more";
    }
    message += " (signal_blocking_tasks may move sleeping tasks along)";
  }
  return Error(livepatch::errc::kTransitionStalled, message);
}

Status LivepatchControl::signal_blocking_tasks(std::string_view patch_name) {
  if (auto valid = check_livepatch_name(patch_name); !valid) return valid;
  auto written = write_kernel_value(patch_dir(patch_name) / "signal", "1");
  if (!written)
    return written.error().with_context("signalling tasks blocking " + std::string(patch_name));
  return Status::ok();
}

Status LivepatchControl::disable(std::string_view patch_name, std::chrono::milliseconds timeout) {
  if (auto valid = check_livepatch_name(patch_name); !valid) return valid;
  auto written = write_kernel_value(patch_dir(patch_name) / "enabled", "0");
  if (!written)
    return written.error().with_context("disabling livepatch " + std::string(patch_name));
  return wait(patch_name, timeout, IfAbsent::kDone);
}

Status LivepatchControl::unload(std::string_view module_name) {
  if (auto valid = check_module_name(module_name); !valid) return valid;
  int errnum = syscalls_.delete_module(std::string(module_name), O_NONBLOCK);
  if (errnum != 0) return unload_error(module_name, errnum);
  return Status::ok();
}

Status LivepatchControl::unload_released(std::string_view module_name,
                                         std::chrono::milliseconds settle) {
  auto deadline = std::chrono::steady_clock::now() + settle;
  for (;;) {
    Status unloaded = unload(module_name);
    if (unloaded || unloaded.error().code() != livepatch::errc::kModuleBusy) return unloaded;
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return unloaded;
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(poll_interval_, deadline - now));
  }
}

Expected<bool> LivepatchControl::is_enabled(std::string_view patch_name) const {
  if (auto valid = check_livepatch_name(patch_name); !valid) return valid.error();
  std::filesystem::path enabled = patch_dir(patch_name) / "enabled";
  if (!path_exists(patch_dir(patch_name))) {
    return Error(
        livepatch::errc::kLivepatchNotFound,
        "no livepatch " + std::string(patch_name) + " in " + livepatch_sysfs_dir(root_).string());
  }
  return read_kernel_flag(enabled);
}

Expected<LivepatchState> LivepatchControl::state_of(std::string_view patch_name) const {
  return read_livepatch(root_, patch_name);
}

Expected<std::vector<BlockingTask>> LivepatchControl::blocking_tasks(
    std::string_view patch_name) const {
  auto enabled = is_enabled(patch_name);
  if (!enabled) return enabled.error();
  return find_blocking_tasks(root_, *enabled ? 1 : 0);
}

}  // namespace hotsplice
