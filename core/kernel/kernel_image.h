// The identity of a kernel read from its image file (/boot/vmlinuz-*, an x86 bzImage),
// without booting it: what a build machine needs to target a kernel, and what the host
// agent needs to know a guest's kernel before the guest reports it.
//   release and version: from the setup header's kernel_version string,
//     "<release> (<builder>@<host>) <version>", the same text `uname -r` / `uname -v` print;
//   build-id: from the note segment of the compressed vmlinux inside the image, the same
//     bytes the running kernel exposes in /sys/kernel/notes.
#pragma once

#include <filesystem>
#include <string_view>

#include "core/base/expected.h"
#include "core/kernel/kernel_identity.h"

namespace hotsplice {

inline constexpr std::size_t kMaxKernelImageBytes = 128u << 20;
inline constexpr std::size_t kMaxVmlinuxBytes = 512u << 20;

// Fails with "not_bzimage" (no "HdrS" header or a boot protocol before 2.08),
// "image_truncated" (a field or the payload lies outside the file), "invalid_value" (a
// malformed version string), "unsupported_compression" (XZ, zstd and gzip are read:
// Debian's 6.1 kernels are XZ, its 6.12 kernels zstd), the decompressor's and the ELF note
// parser's codes.
Expected<KernelIdentity> read_kernel_image_identity(std::string_view image);
Expected<KernelIdentity> read_kernel_image_identity_file(const std::filesystem::path& path);

// The ELF vmlinux decompressed from a bzImage's payload (at most kMaxVmlinuxBytes): its
// .rodata holds the kallsyms tables, its .BTF the kernel's type information. Same errors.
Expected<std::string> read_kernel_image_vmlinux(std::string_view image);

}  // namespace hotsplice
