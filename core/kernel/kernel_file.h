// Reading and writing the small text files through which the kernel talks to user space
// (/proc/sys/kernel/*, /sys/kernel/livepatch/*, /proc/<pid>/task/<tid>/*). Their content is
// one value and a newline; anything else means we are reading the wrong file or a recorded
// tree was damaged, so every reader is strict and every error names the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/base/expected.h"

namespace hotsplice {

// Reads a one-line value: strips one trailing newline, then fails with "empty_value" if
// nothing is left, "value_too_long" beyond max_length bytes, and "invalid_value" if the
// value holds another newline or a control character. I/O failures are "io_error".
Expected<std::string> read_kernel_line(const std::filesystem::path& path, std::size_t max_length);

// Reads an integer in [min, max] written in decimal (optionally negative), e.g. "-1".
// Fails with "invalid_value" naming the file and quoting what it held.
Expected<std::int64_t> read_kernel_integer(const std::filesystem::path& path, std::int64_t min,
                                           std::int64_t max);

// Reads a 0/1 flag such as livepatch's `enabled` or `transition`.
Expected<bool> read_kernel_flag(const std::filesystem::path& path);

// Writes value with a single write(2), as sysfs attributes require (no temporary file, no
// rename: the file is a kernel attribute, not storage).
Status write_kernel_value(const std::filesystem::path& path, std::string_view value);

// Quotes untrusted file content for an error message: printable ASCII kept, everything else
// as \xNN, at most a few dozen bytes.
std::string quote_for_error(std::string_view content);

}  // namespace hotsplice
