// The forms of the names only a manifest carries; ids, module names and display text follow
// the shared rules of core/base/names.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/names.h"

namespace hotsplice {

inline constexpr std::size_t kMaxSymbolNameLength = 127;  // KSYM_NAME_LEN - 1 in 6.1
inline constexpr std::size_t kMaxDescriptionLength = 4096;

// "vmlinux" or a module name.
bool is_valid_object_name(std::string_view name);
// A C identifier, possibly with compiler suffixes such as ".isra.0" or ".cold".
bool is_valid_symbol_name(std::string_view name);
// "CVE-YYYY-NNNN" with four to seven digits in the last part.
bool is_valid_cve(std::string_view cve);
// "YYYY-MM-DDTHH:MM:SSZ" with plausible ranges.
bool is_valid_utc_timestamp(std::string_view text);

std::string format_utc_timestamp(std::int64_t seconds_since_epoch);
// Seconds since the epoch of a "YYYY-MM-DDTHH:MM:SSZ" timestamp; nullopt when the text is
// not one or names a day that does not exist ("2026-02-30").
std::optional<std::int64_t> parse_utc_timestamp(std::string_view text);

}  // namespace hotsplice
