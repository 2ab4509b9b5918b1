// File helpers with the two guarantees every hotsplice writer needs: reads are bounded
// (a hostile or corrupt file never makes us allocate without limit) and writes are atomic
// (temporary file, fsync, rename, fsync of the directory: a crash leaves the old file or
// the new one, never half of either).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/base/expected.h"

namespace hotsplice {

// strerror(errnum) as a std::string, thread-safe.
std::string errno_text(int errnum);

// An Error with code "io_error" reading "<what>: <strerror(errnum)>".
Error io_error(std::string_view what, int errnum);

// Reads a whole file, failing with "file_too_large" if it holds more than max_bytes.
Expected<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes);

// Writes data to path atomically with the given permission bits.
Status write_file_atomically(const std::filesystem::path& path, std::string_view data,
                             mode_t mode = 0644);

// Makes a rename or creation inside directory durable (fsync of the directory itself).
Status fsync_directory(const std::filesystem::path& directory);

// Creates a directory and its parents (the last one with mode), failing if the path exists
// as something else.
Status ensure_directory(const std::filesystem::path& path, mode_t mode = 0755);

// Whether name is safe as one path component: non-empty, at most 255 bytes, no '/', no NUL,
// not "." or "..". Used for every name that comes from a manifest or the wire.
bool is_safe_file_name(std::string_view name);

}  // namespace hotsplice
