// The forms of the names hotsplice passes between machines. Names end up as file names,
// sysfs paths, log lines and kernel symbol lookups, so each rule is narrow on purpose, and
// there is one rule per kind of name for the manifest, the wire protocol and the kernel
// readers alike.
#pragma once

#include <cstddef>
#include <string_view>

namespace hotsplice {

inline constexpr std::size_t kMaxBundleIdLength = 64;
inline constexpr std::size_t kMaxModuleNameLength = 55;  // the kernel's MODULE_NAME_LEN - 1

// Bundle and patch ids: [A-Za-z0-9._-]{1,64}, not starting with '.', so an id is always a
// safe file name and can never be "." or "..".
bool is_valid_bundle_id(std::string_view id);

// A loaded module's name, as the kernel registers it and as /sys/kernel/livepatch/<name>
// shows it: [A-Za-z0-9_]{1,55} (kbuild turns '-' in file names into '_').
bool is_valid_module_name(std::string_view name);

// Short machine words (capabilities, container technologies): [a-z0-9._-]{1,64}.
inline constexpr std::size_t kMaxTokenLength = 64;
bool is_valid_token(std::string_view token);

// Human text shown in logs and terminals: no control characters but tab and newline.
bool is_display_text(std::string_view text);

}  // namespace hotsplice
