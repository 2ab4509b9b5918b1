// Reads the identity of the running kernel from procfs and sysfs. root stands for "/" so
// that tests (and tools that inspect a recorded tree or a container's view) can point it
// elsewhere.
#pragma once

#include <filesystem>

#include "core/base/expected.h"
#include "core/kernel/kernel_identity.h"

namespace hotsplice {

// Upper bound for <root>/sys/kernel/notes: a kernel's note section is a few hundred bytes;
// anything much larger is not a note section.
inline constexpr std::size_t kMaxKernelNotesBytes = 64 * 1024;

// release from <root>/proc/sys/kernel/osrelease (as `uname -r`), version from
// <root>/proc/sys/kernel/version (as `uname -v`), build_id from <root>/sys/kernel/notes.
// Errors keep the reader's code (empty_value, value_too_long, notes_truncated,
// build_id_missing, io_error, ...) with "reading kernel identity" as context.
Expected<KernelIdentity> read_kernel_identity(const std::filesystem::path& root);

// The GNU build-id from a notes file such as <root>/sys/kernel/notes, lower-case hex.
Expected<std::string> read_build_id_from_notes_file(const std::filesystem::path& notes_path);

}  // namespace hotsplice
