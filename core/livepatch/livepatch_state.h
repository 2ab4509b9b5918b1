// The livepatches the kernel knows about, as /sys/kernel/livepatch shows them. Lives with
// livepatch control (not in core/kernel) because it describes livepatch objects, and
// LivepatchControl::state_of is built on it; core/kernel stays about the kernel's identity
// and module files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/expected.h"

namespace hotsplice {

struct LivepatchFunction {
  std::string name;          // the replaced function, e.g. "cmdline_proc_show"
  std::uint64_t sympos = 1;  // which same-named symbol (sysfs shows an unset 0 as 1)

  bool operator==(const LivepatchFunction&) const = default;
};

struct LivepatchObject {
  std::string name;  // "vmlinux" for the core kernel, else the patched module's name
  // The object's `patched` attribute (newer kernels): whether its functions are redirected
  // now (false when the module it patches is not loaded). Absent on older kernels.
  std::optional<bool> patched;
  std::vector<LivepatchFunction> functions;  // sorted by name, then sympos

  bool operator==(const LivepatchObject&) const = default;
};

struct LivepatchState {
  std::string name;  // the livepatch module's name
  bool enabled = false;
  bool transition = false;               // a transition to `enabled` is still under way
  std::optional<bool> replace;           // atomic-replace patch; absent on kernels without the file
  std::vector<LivepatchObject> objects;  // sorted by name

  bool operator==(const LivepatchState&) const = default;
};

// <root>/sys/kernel/livepatch
std::filesystem::path livepatch_sysfs_dir(const std::filesystem::path& root);

// Every patch under <root>/sys/kernel/livepatch, sorted by name. A missing directory (no
// CONFIG_LIVEPATCH, or no patch loaded since boot) is an empty list. A malformed value is
// an "invalid_value" error naming the file; an unreadable one is an "io_error".
Expected<std::vector<LivepatchState>> list_livepatches(const std::filesystem::path& root);

// One patch. Fails with "livepatch_not_found" when it has no directory and "invalid_name"
// when name could not be a module name (it becomes a path component).
Expected<LivepatchState> read_livepatch(const std::filesystem::path& root, std::string_view name);

// Checks that name is usable as one path component under /sys/kernel/livepatch.
Status check_livepatch_name(std::string_view name);

}  // namespace hotsplice
