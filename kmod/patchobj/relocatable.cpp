#include "kmod/patchobj/relocatable.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <memory>

#include "core/base/error_codes.h"
#include "kmod/patchobj/error_codes.h"

namespace hotsplice::patchobj {

std::size_t RelocatableObject::add_section(OutputSection section) {
  sections.push_back(std::move(section));
  return sections.size();
}

std::size_t RelocatableObject::add_symbol(OutputSymbol symbol) {
  symbols.push_back(std::move(symbol));
  return symbols.size() - 1;
}

namespace {

struct ElfCloser {
  void operator()(Elf* elf) const { elf_end(elf); }
};

// A string table under construction: offsets of names, deduplicated.
class StringTable {
 public:
  StringTable() : bytes_(1, '\0') {}
  std::uint32_t add(const std::string& name) {
    if (name.empty()) return 0;
    auto [it, inserted] = offsets_.try_emplace(name, static_cast<std::uint32_t>(bytes_.size()));
    if (inserted) bytes_.insert(bytes_.end(), name.c_str(), name.c_str() + name.size() + 1);
    return it->second;
  }
  std::vector<char>& bytes() { return bytes_; }

 private:
  std::vector<char> bytes_;
  std::map<std::string, std::uint32_t> offsets_;
};

class Writer {
 public:
  Writer(const RelocatableObject& object, const std::filesystem::path& path)
      : object_(object), path_(path) {}

  Status run() {
    if (elf_version(EV_CURRENT) == EV_NONE) return failure("elf_version");
    const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Error(hotsplice::errc::kIoError, "cannot create " + path_.string());
    Status status = write_to(fd);
    if (::close(fd) != 0 && status)
      status = Error(hotsplice::errc::kIoError, "cannot close " + path_.string());
    return status;
  }

 private:
  Error failure(const std::string& call) const {
    const char* text = elf_errmsg(-1);
    return Error(errc::kElfWriteFailed, path_.string() + ": " + call +
                                            " failed: " + (text ? text : "unknown libelf error"));
  }

  // Adds a section whose data libelf takes from `buffer` (kept alive until elf_update).
  Expected<std::size_t> add(const std::string& name, std::uint32_t type, std::uint64_t flags,
                            std::uint64_t alignment, std::uint64_t entry_size, const void* buffer,
                            std::size_t size, Elf_Type data_type = ELF_T_BYTE) {
    Elf_Scn* scn = elf_newscn(elf_.get());
    if (!scn) return failure("elf_newscn");
    Elf_Data* data = elf_newdata(scn);
    if (!data) return failure("elf_newdata");
    data->d_buf = const_cast<void*>(buffer);
    data->d_size = size;
    data->d_type = data_type;
    data->d_align = alignment ? alignment : 1;
    GElf_Shdr header;
    if (!gelf_getshdr(scn, &header)) return failure("gelf_getshdr");
    header.sh_name = section_names_.add(name);
    header.sh_type = type;
    header.sh_flags = flags;
    header.sh_addralign = alignment ? alignment : 1;
    header.sh_entsize = entry_size;
    header.sh_size = size;
    if (!gelf_update_shdr(scn, &header)) return failure("gelf_update_shdr");
    return elf_ndxscn(scn);
  }

  Status set_link(std::size_t index, std::uint32_t link, std::uint32_t info) {
    Elf_Scn* scn = elf_getscn(elf_.get(), index);
    GElf_Shdr header;
    if (!scn || !gelf_getshdr(scn, &header)) return failure("gelf_getshdr");
    header.sh_link = link;
    header.sh_info = info;
    if (!gelf_update_shdr(scn, &header)) return failure("gelf_update_shdr");
    return Status::ok();
  }

  // Locals must precede globals in .symtab; returns the old->new index map.
  std::vector<std::size_t> order_symbols() {
    std::vector<std::size_t> order{0};
    for (int pass = 0; pass < 2; ++pass) {
      for (std::size_t i = 1; i < object_.symbols.size(); ++i) {
        const bool local = object_.symbols[i].binding == STB_LOCAL;
        if (local == (pass == 0)) order.push_back(i);
        if (pass == 0 && local) ++first_global_;
      }
    }
    ++first_global_;  // the null symbol is local too
    std::vector<std::size_t> new_index(object_.symbols.size());
    for (std::size_t i = 0; i < order.size(); ++i) new_index[order[i]] = i;
    symbol_order_ = std::move(order);
    return new_index;
  }

  Status write_to(int fd) {
    elf_.reset(elf_begin(fd, ELF_C_WRITE, nullptr));
    if (!elf_) return failure("elf_begin");
    Elf64_Ehdr* header = elf64_newehdr(elf_.get());
    if (!header) return failure("elf64_newehdr");
    header->e_ident[EI_DATA] = ELFDATA2LSB;
    header->e_ident[EI_OSABI] = ELFOSABI_NONE;
    header->e_type = ET_REL;
    header->e_machine = EM_X86_64;
    header->e_version = EV_CURRENT;

    for (const OutputSection& section : object_.sections) {
      const bool nobits = section.type == SHT_NOBITS;
      auto index = add(section.name, section.type, section.flags, section.alignment,
                       section.entry_size, nobits ? nullptr : section.bytes.data(),
                       nobits ? section.size : section.bytes.size());
      if (!index) return index.error();
    }
    const std::vector<std::size_t> new_index = order_symbols();
    relocations_.resize(object_.sections.size());
    for (std::size_t i = 0; i < object_.sections.size(); ++i) {
      for (const OutputRelocation& relocation : object_.sections[i].relocations) {
        Elf64_Rela raw{};
        raw.r_offset = relocation.offset;
        raw.r_info = ELF64_R_INFO(new_index[relocation.symbol], relocation.type);
        raw.r_addend = relocation.addend;
        relocations_[i].push_back(raw);
      }
    }
    for (std::size_t position : symbol_order_) {
      const OutputSymbol& symbol = object_.symbols[position];
      Elf64_Sym raw{};
      raw.st_name = names_.add(symbol.name);
      raw.st_info = ELF64_ST_INFO(symbol.binding, symbol.type);
      raw.st_shndx = static_cast<Elf64_Section>(symbol.section);
      raw.st_value = symbol.value;
      raw.st_size = symbol.size;
      symbols_.push_back(raw);
    }
    const std::size_t symtab_index = object_.sections.size() + 1;
    auto symtab = add(".symtab", SHT_SYMTAB, 0, 8, sizeof(Elf64_Sym), symbols_.data(),
                      symbols_.size() * sizeof(Elf64_Sym), ELF_T_SYM);
    if (!symtab || *symtab != symtab_index) return failure("adding .symtab");
    // Names are complete once the symbols are; the string table is added after them.
    auto strtab = add(".strtab", SHT_STRTAB, 0, 1, 0, names_.bytes().data(), names_.bytes().size());
    if (!strtab) return strtab.error();
    if (auto status = set_link(*symtab, static_cast<std::uint32_t>(*strtab),
                               static_cast<std::uint32_t>(first_global_));
        !status) {
      return status;
    }
    for (std::size_t i = 0; i < object_.sections.size(); ++i) {
      if (relocations_[i].empty()) continue;
      auto rela =
          add(".rela" + object_.sections[i].name, SHT_RELA, SHF_INFO_LINK, 8, sizeof(Elf64_Rela),
              relocations_[i].data(), relocations_[i].size() * sizeof(Elf64_Rela), ELF_T_RELA);
      if (!rela) return rela.error();
      if (auto status = set_link(*rela, static_cast<std::uint32_t>(symtab_index),
                                 static_cast<std::uint32_t>(i + 1));
          !status) {
        return status;
      }
    }
    // .shstrtab names itself, so its name goes in before its bytes are handed to libelf.
    section_names_.add(".shstrtab");
    auto shstrtab = add(".shstrtab", SHT_STRTAB, 0, 1, 0, section_names_.bytes().data(),
                        section_names_.bytes().size());
    if (!shstrtab) return shstrtab.error();
    header = elf64_getehdr(elf_.get());
    header->e_shstrndx = static_cast<Elf64_Half>(*shstrtab);
    if (elf_update(elf_.get(), ELF_C_WRITE) < 0) return failure("elf_update");
    return Status::ok();
  }

  const RelocatableObject& object_;
  std::filesystem::path path_;
  std::unique_ptr<Elf, ElfCloser> elf_;
  StringTable section_names_;
  StringTable names_;
  std::vector<std::size_t> symbol_order_;
  std::size_t first_global_ = 0;
  std::vector<Elf64_Sym> symbols_;
  std::vector<std::vector<Elf64_Rela>> relocations_;
};

}  // namespace

Status write_relocatable(const RelocatableObject& object, const std::filesystem::path& path) {
  return Writer(object, path).run();
}

}  // namespace hotsplice::patchobj
