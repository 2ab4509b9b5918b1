// Which tasks keep a livepatch transition from completing. During a transition every task
// has a patch state in /proc/<pid>/task/<tid>/patch_state: 1 once it runs the patched code,
// 0 while it may still run the old code; -1 means no transition is under way (see the
// kernel's Documentation/livepatch/livepatch.rst). A task blocks the transition while its
// state differs from the target: 1 when the patch is being enabled, 0 when it is being
// disabled (sysfs `enabled` shows the target during a transition).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/base/expected.h"

namespace hotsplice {

struct BlockingTask {
  long pid = 0;
  long tid = 0;
  std::string comm;                    // "?" when unreadable (the task may have exited)
  int patch_state = 0;                 // 0 or 1, never the target
  std::vector<std::string> stack_top;  // innermost frames first; empty when unreadable

  bool operator==(const BlockingTask&) const = default;
};

// How many frames of a blocking task's kernel stack are kept: enough to see where it sleeps.
inline constexpr std::size_t kStackFramesKept = 3;

// Scans <root>/proc/<pid>/task/<tid>/ for tasks whose patch_state is not target_state.
// Tasks without a patch_state file (kernel without livepatch) or that exit during the scan
// are skipped. Fails with "io_error" when <root>/proc cannot be listed and "invalid_value"
// when a patch_state holds something other than -1, 0 or 1.
Expected<std::vector<BlockingTask>> find_blocking_tasks(const std::filesystem::path& root,
                                                        int target_state);

// "pid 42 tid 43 (kworker/0:1) patch_state 0 at __schedule+0x2a2/0x8a0 <- schedule+0x4e/0xb0"
std::string describe(const BlockingTask& task);

}  // namespace hotsplice
