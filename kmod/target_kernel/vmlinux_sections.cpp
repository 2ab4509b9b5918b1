#include "kmod/target_kernel/vmlinux_sections.h"

#include <gelf.h>
#include <libelf.h>

namespace hotsplice::target_kernel {

std::optional<VmlinuxSection> find_vmlinux_section(std::string_view vmlinux,
                                                   std::string_view name) {
  elf_version(EV_CURRENT);
  // libelf only reads through this pointer (elf_memory opens it for reading).
  Elf* elf = elf_memory(const_cast<char*>(vmlinux.data()), vmlinux.size());
  if (elf == nullptr) return std::nullopt;
  std::optional<VmlinuxSection> found;
  std::size_t names = 0;
  if (elf_kind(elf) == ELF_K_ELF && elf_getshdrstrndx(elf, &names) == 0) {
    for (Elf_Scn* section = elf_nextscn(elf, nullptr); section != nullptr && !found;
         section = elf_nextscn(elf, section)) {
      GElf_Shdr header;
      if (gelf_getshdr(section, &header) == nullptr || header.sh_type == SHT_NOBITS) continue;
      const char* section_name = elf_strptr(elf, names, header.sh_name);
      if (section_name == nullptr || name != section_name) continue;
      if (header.sh_offset <= vmlinux.size() &&
          header.sh_size <= vmlinux.size() - header.sh_offset) {
        found = VmlinuxSection{vmlinux.substr(header.sh_offset, header.sh_size), header.sh_addr};
      }
    }
  }
  elf_end(elf);
  return found;
}

}  // namespace hotsplice::target_kernel
