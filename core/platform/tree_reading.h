// Small reads from a recorded or live root tree ("/" in production), shared by the
// platform readers. Files under /proc and /sys describing the machine are small; anything
// larger than the bound is treated as absent rather than read without limit.
#pragma once

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace hotsplice::platform {

inline constexpr std::size_t kMaxProcFileBytes = 64 * 1024;

// Whether anything (file, directory, socket, device, dangling symlink excluded) is at path.
bool path_exists(const std::filesystem::path& path);

// The file's content, or nullopt when it is missing, unreadable or over max_bytes.
std::optional<std::string> read_small(const std::filesystem::path& path,
                                      std::size_t max_bytes = kMaxProcFileBytes);

// text without leading and trailing white space.
std::string trim(std::string_view text);

// The first line of text, trimmed (for evidence: "/proc/vz/version: 7.0.18").
std::string first_line(std::string_view text);

}  // namespace hotsplice::platform
