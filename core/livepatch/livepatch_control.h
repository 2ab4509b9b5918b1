// Loading, following, disabling and unloading livepatch modules through the kernel's
// interfaces: finit_module(2)/delete_module(2) and /sys/kernel/livepatch. It never writes
// `force`: a forced transition makes the module impossible to unload and can leave tasks
// running unpatched code, a decision for a human, not for an agent.
#pragma once

#include <chrono>
#include <filesystem>
#include <string_view>
#include <vector>

#include "core/base/expected.h"
#include "core/livepatch/blocking_tasks.h"
#include "core/livepatch/livepatch_state.h"
#include "core/livepatch/module_syscalls.h"

namespace hotsplice {

// Often enough that a transition finishing is noticed quickly, rarely enough to cost
// nothing: the kernel itself retries stragglers only once a second.
inline constexpr std::chrono::milliseconds kDefaultTransitionPollInterval{100};

class LivepatchControl {
 public:
  // root stands for "/" (sysfs and procfs are read under it). syscalls must outlive this.
  LivepatchControl(std::filesystem::path root, ModuleSyscalls& syscalls,
                   std::chrono::milliseconds poll_interval = kDefaultTransitionPollInterval);

  // finit_module on module_path with the given parameter string. Loading a livepatch module
  // enables it and starts its transition; follow it with wait_for_transition(). Errors are
  // module_syscall_errors.h's, or "io_error" when the file cannot be opened.
  Status load(const std::filesystem::path& module_path, std::string_view params = "");

  // Polls <root>/sys/kernel/livepatch/<patch>/transition until it reads 0. A patch whose
  // directory disappears after it was seen has been disabled and freed: done. Fails with
  // "livepatch_not_found" if it never existed, and "transition_stalled" after timeout,
  // listing the tasks still blocking (see blocking_tasks()).
  Status wait_for_transition(std::string_view patch_name, std::chrono::milliseconds timeout);

  // Sends the fake signal that moves sleeping tasks through the transition (writes 1 to
  // `signal`); the kernel answers EINVAL when the patch is not in transition.
  Status signal_blocking_tasks(std::string_view patch_name);

  // Writes 0 to `enabled`, then waits for the reverse transition; the patch's directory goes
  // away when it completes, and the module can then be unloaded.
  Status disable(std::string_view patch_name, std::chrono::milliseconds timeout);

  // delete_module(module_name, O_NONBLOCK): never waits for the module's users.
  Status unload(std::string_view module_name);

  // unload() of a livepatch module whose patch was just disabled. The kernel frees a
  // disabled patch in a work item after the transition ends and only then drops its
  // reference to the module, so "module_busy" is retried (sleeping between tries) until
  // settle has passed; any other answer is returned at once.
  Status unload_released(std::string_view module_name, std::chrono::milliseconds settle);

  Expected<bool> is_enabled(std::string_view patch_name) const;
  Expected<LivepatchState> state_of(std::string_view patch_name) const;
  // The tasks whose patch_state is not yet the patch's target (its `enabled` value).
  Expected<std::vector<BlockingTask>> blocking_tasks(std::string_view patch_name) const;

 private:
  enum class IfAbsent { kNotFound, kDone };
  Status wait(std::string_view patch_name, std::chrono::milliseconds timeout,
              IfAbsent if_absent_at_start);
  Error stalled(std::string_view patch_name, std::chrono::milliseconds timeout) const;
  std::filesystem::path patch_dir(std::string_view patch_name) const;

  std::filesystem::path root_;
  ModuleSyscalls& syscalls_;
  std::chrono::milliseconds poll_interval_;
};

}  // namespace hotsplice
