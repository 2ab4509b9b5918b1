// A named section of a decompressed vmlinux (the ELF inside a bzImage, section headers
// kept): .rodata holds the kallsyms tables, .BTF the kernel's type information.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace hotsplice::target_kernel {

struct VmlinuxSection {
  std::string_view bytes;     // a view into the vmlinux buffer
  std::uint64_t address = 0;  // where the kernel maps it
};

// nullopt when `vmlinux` is not an ELF file, has no such section, or the section's bytes lie
// outside the buffer (a SHT_NOBITS section has no bytes and is not returned).
std::optional<VmlinuxSection> find_vmlinux_section(std::string_view vmlinux, std::string_view name);

}  // namespace hotsplice::target_kernel
