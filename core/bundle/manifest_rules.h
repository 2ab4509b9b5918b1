// The form of each name a manifest carries. Names end up as file names, sysfs paths and
// kernel symbol lookups, so each rule is narrow on purpose.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/kernel/module_info.h"  // kMaxModuleNameLength

namespace hotsplice {

inline constexpr std::size_t kMaxBundleIdLength = 64;
inline constexpr std::size_t kMaxSymbolNameLength = 127;  // KSYM_NAME_LEN - 1 in 6.1
inline constexpr std::size_t kMaxDescriptionLength = 4096;

// [A-Za-z0-9._-]{1,64}, not starting with '.': safe as a file name and in URLs.
bool is_valid_bundle_id(std::string_view id);
// [A-Za-z0-9_]{1,55}: the kernel's module name (dashes become underscores when loaded).
bool is_valid_module_name(std::string_view name);
// "vmlinux" or a module name.
bool is_valid_object_name(std::string_view name);
// A C identifier, possibly with compiler suffixes such as ".isra.0" or ".cold".
bool is_valid_symbol_name(std::string_view name);
// "CVE-YYYY-NNNN" with four to seven digits in the last part.
bool is_valid_cve(std::string_view cve);
// "YYYY-MM-DDTHH:MM:SSZ" with plausible ranges.
bool is_valid_utc_timestamp(std::string_view text);
// Printable text: no control characters except newline and tab.
bool is_printable_text(std::string_view text);

std::string format_utc_timestamp(std::int64_t seconds_since_epoch);

}  // namespace hotsplice
