// XZ decompression with a hard cap on the output, for kernel images (Debian's bzImage
// payload is XZ-compressed vmlinux).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/base/expected.h"

namespace hotsplice {

// Decompresses the first XZ stream in input (bytes after it, such as the size the kernel
// build appends, are ignored). Fails with "decompress_failed" naming liblzma's complaint,
// or "decompressed_too_large" past max_output bytes.
Expected<std::string> xz_decompress(std::string_view input, std::size_t max_output);

}  // namespace hotsplice
