// The compressed vmlinux inside a bzImage, decompressed by the format its first bytes name:
// XZ (Debian's 6.1 kernels), zstd (Debian's 6.12 kernels) or gzip. Libraries only: liblzma,
// libzstd, zlib.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/base/expected.h"

namespace hotsplice {

// Decompresses the first stream/frame of `payload`; bytes after it (the size the kernel
// build appends) are ignored. Fails with "unsupported_compression" for any other format,
// "decompress_failed" naming the library's complaint, or "decompressed_too_large" past
// max_output bytes.
Expected<std::string> decompress_kernel_payload(std::string_view payload, std::size_t max_output);

}  // namespace hotsplice
