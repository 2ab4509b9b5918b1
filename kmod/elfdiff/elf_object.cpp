#include "kmod/elfdiff/elf_object.h"

#include <gelf.h>
#include <libelf.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string_view>

#include "core/base/file_io.h"
#include "kmod/elfdiff/error_codes.h"
#include "kmod/elfdiff/x86_relocations.h"

namespace hotsplice::elfdiff {
namespace {

struct ElfCloser {
  void operator()(Elf* elf) const { elf_end(elf); }
};
using ElfHandle = std::unique_ptr<Elf, ElfCloser>;

// Sections whose contents never take part in a comparison: reading them would only cost
// time and memory (debug information is most of a kernel object).
bool is_skipped_section(std::string_view name) {
  return name.starts_with(".debug") || name.starts_with(".rela.debug") ||
         name.starts_with(".BTF") || name.starts_with(".gnu.lto");
}

class Loader {
 public:
  explicit Loader(std::filesystem::path path) { object_.path = std::move(path); }

  Expected<ElfObject> run() {
    auto content = read_file(object_.path, kMaxObjectBytes);
    if (!content) return content.error();
    buffer_ = std::move(*content);
    // libelf reads a truncated file as one with no sections; say what is really wrong.
    if (auto status = check_extent(); !status) return status.error();
    if (elf_version(EV_CURRENT) == EV_NONE) return invalid("libelf initialisation failed");
    elf_.reset(elf_memory(buffer_.data(), buffer_.size()));
    if (!elf_) return libelf_failure("elf_memory");
    if (elf_kind(elf_.get()) != ELF_K_ELF) return invalid("not an ELF file");

    if (auto status = check_header(); !status) return status.error();
    if (auto status = read_sections(); !status) return status.error();
    if (auto status = read_symbols(); !status) return status.error();
    if (auto status = read_relocations(); !status) return status.error();
    if (auto status = read_groups(); !status) return status.error();
    return std::move(object_);
  }

 private:
  Error invalid(std::string_view problem) const {
    return Error(errc::kInvalidObject, object_.path.string() + ": " + std::string(problem));
  }
  Error libelf_failure(std::string_view call) const {
    const char* text = elf_errmsg(-1);
    return invalid(std::string(call) + " failed: " + (text ? text : "unknown libelf error"));
  }

  // The ELF header and the section header table must lie within the file. Checked on the
  // raw bytes, before libelf, so that a cut-off download or a half-written object is named
  // as such (libelf would report a file with no sections).
  Status check_extent() const {
    const std::string_view magic(ELFMAG, SELFMAG);
    if (buffer_.size() < SELFMAG || std::string_view(buffer_).substr(0, SELFMAG) != magic) {
      return Status::ok();  // not ELF at all: libelf's answer names that
    }
    if (buffer_.size() > EI_CLASS && buffer_[EI_CLASS] != ELFCLASS64) {
      return Status::ok();  // check_header names the class
    }
    if (buffer_.size() < sizeof(Elf64_Ehdr)) {
      return invalid("truncated: the file is " + std::to_string(buffer_.size()) +
                     " bytes, shorter than an ELF header (" + std::to_string(sizeof(Elf64_Ehdr)) +
                     ")");
    }
    Elf64_Ehdr header;
    std::memcpy(&header, buffer_.data(), sizeof header);
    if (header.e_shoff == 0) return Status::ok();  // no section table: reported later
    if (header.e_shentsize != sizeof(Elf64_Shdr)) {
      return invalid("section headers are " + std::to_string(header.e_shentsize) +
                     " bytes each, not " + std::to_string(sizeof(Elf64_Shdr)));
    }
    std::uint64_t count = header.e_shnum;
    if (count == 0) {
      // More than SHN_LORESERVE sections: the real count is in section 0's sh_size.
      if (header.e_shoff > buffer_.size() || buffer_.size() - header.e_shoff < sizeof(Elf64_Shdr)) {
        return truncated_table(header.e_shoff, 1);
      }
      Elf64_Shdr first;
      std::memcpy(&first, buffer_.data() + header.e_shoff, sizeof first);
      count = first.sh_size;
    }
    if (header.e_shoff > buffer_.size() ||
        count > (buffer_.size() - header.e_shoff) / sizeof(Elf64_Shdr)) {
      return truncated_table(header.e_shoff, count);
    }
    return Status::ok();
  }

  Error truncated_table(std::uint64_t offset, std::uint64_t count) const {
    return invalid("truncated: the section header table (" + std::to_string(count) +
                   " entries at offset " + std::to_string(offset) + ") ends past the end of the " +
                   std::to_string(buffer_.size()) + "-byte file");
  }

  Status check_header() {
    GElf_Ehdr header;
    if (!gelf_getehdr(elf_.get(), &header)) return libelf_failure("gelf_getehdr");
    if (header.e_ident[EI_CLASS] != ELFCLASS64) return invalid("not a 64-bit ELF object");
    if (header.e_ident[EI_DATA] != ELFDATA2LSB) return invalid("not little-endian");
    if (header.e_type != ET_REL) return invalid("not a relocatable object (ET_REL)");
    if (header.e_machine != EM_X86_64) return invalid("not an x86-64 object");
    if (elf_getshdrstrndx(elf_.get(), &section_names_index_) != 0) {
      return libelf_failure("elf_getshdrstrndx");
    }
    return Status::ok();
  }

  // The bytes of a section as libelf sees them, checked against the declared size.
  Expected<Elf_Data*> section_data(Elf_Scn* scn, const GElf_Shdr& header, std::string_view name) {
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (!data) return libelf_failure("elf_getdata(" + std::string(name) + ")");
    if (data->d_size != header.sh_size || (data->d_size > 0 && !data->d_buf)) {
      return invalid("section " + std::string(name) + " has inconsistent data");
    }
    return data;
  }

  Status read_sections() {
    std::size_t count = 0;
    if (elf_getshdrnum(elf_.get(), &count) != 0) return libelf_failure("elf_getshdrnum");
    if (count == 0) return invalid("no sections");
    if (section_names_index_ >= count) return invalid("section name table index out of range");
    if (auto status = check_section_name_table(); !status) return status;
    object_.sections.resize(count);
    for (std::size_t index = 1; index < count; ++index) {
      Elf_Scn* scn = elf_getscn(elf_.get(), index);
      GElf_Shdr header;
      if (!scn || !gelf_getshdr(scn, &header)) return libelf_failure("gelf_getshdr");
      Section& section = object_.sections[index];
      section.index = index;
      const char* name = elf_strptr(elf_.get(), section_names_index_, header.sh_name);
      if (!name) return invalid("section " + std::to_string(index) + " has a bad name offset");
      section.name = name;
      section.type = header.sh_type;
      section.flags = header.sh_flags;
      section.size = header.sh_size;
      section.alignment = header.sh_addralign;
      section.entry_size = header.sh_entsize;
      headers_.push_back(header);
      if (auto status = check_entry_size(section); !status) return status;
      if (header.sh_size > kMaxSectionBytes) {
        return invalid("section " + section.name + " declares " + std::to_string(header.sh_size) +
                       " bytes, more than any object holds");
      }
      if (header.sh_type == SHT_NOBITS || is_skipped_section(section.name)) continue;
      if (header.sh_type == SHT_NULL) continue;
      if (header.sh_offset > buffer_.size() || header.sh_size > buffer_.size() - header.sh_offset) {
        return invalid("section " + section.name + " extends past the end of the file");
      }
      auto data = section_data(scn, header, section.name);
      if (!data) return data.error();
      auto* bytes = static_cast<const std::uint8_t*>((*data)->d_buf);
      section.bytes.assign(bytes, bytes + (*data)->d_size);
      if (section.type == SHT_STRTAB && (section.bytes.empty() || section.bytes.back() != 0)) {
        return invalid("string table " + section.name + " does not end with a NUL byte");
      }
    }
    return Status::ok();
  }

  // Tables of fixed-size entries must use the ELF's own entry size: any other sh_entsize
  // would make the reader skip entries (0 drops every relocation: a fix silently lost) or
  // invent them (1 makes each byte a symbol), and readelf reports such tables as corrupt.
  Status check_entry_size(const Section& section) const {
    std::uint64_t expected = 0;
    switch (section.type) {
      case SHT_SYMTAB:
      case SHT_DYNSYM:
        expected = sizeof(Elf64_Sym);
        break;
      case SHT_RELA:
        expected = sizeof(Elf64_Rela);
        break;
      case SHT_REL:
        expected = sizeof(Elf64_Rel);
        break;
      case SHT_SYMTAB_SHNDX:
      case SHT_GROUP:
        expected = sizeof(Elf64_Word);
        break;
      default:
        return Status::ok();
    }
    if (section.entry_size != expected) {
      return invalid("section " + section.name + " has entry size " +
                     std::to_string(section.entry_size) + ", not " + std::to_string(expected));
    }
    if (section.size % expected != 0) {
      return invalid("section " + section.name + " is " + std::to_string(section.size) +
                     " bytes, not a whole number of " + std::to_string(expected) + "-byte entries");
    }
    return Status::ok();
  }

  // Names are NUL-terminated strings; libelf refuses every name of an unterminated table
  // with a "bad offset", which would hide the real fault.
  Status check_section_name_table() {
    Elf_Scn* scn = elf_getscn(elf_.get(), section_names_index_);
    GElf_Shdr header;
    if (!scn || !gelf_getshdr(scn, &header)) return libelf_failure("gelf_getshdr");
    if (header.sh_type != SHT_STRTAB)
      return invalid("the section name table is not a string table");
    if (header.sh_offset > buffer_.size() || header.sh_size > buffer_.size() - header.sh_offset) {
      return invalid("the section name table extends past the end of the file");
    }
    if (header.sh_size == 0 || buffer_[header.sh_offset + header.sh_size - 1] != '\0') {
      return invalid("the section name table does not end with a NUL byte");
    }
    return Status::ok();
  }

  const GElf_Shdr& header_of(std::size_t index) const { return headers_[index - 1]; }

  Status read_symbols() {
    std::size_t symtab = 0;
    std::size_t extended_indices = 0;
    for (std::size_t index = 1; index < object_.sections.size(); ++index) {
      if (object_.sections[index].type == SHT_SYMTAB) {
        if (symtab != 0) return invalid("more than one symbol table");
        symtab = index;
      }
      if (object_.sections[index].type == SHT_SYMTAB_SHNDX) extended_indices = index;
    }
    if (symtab == 0) return invalid("no symbol table");
    symtab_index_ = symtab;
    const GElf_Shdr& header = header_of(symtab);
    if (header.sh_link == 0 || header.sh_link >= object_.sections.size()) {
      return invalid("symbol table links to a missing string table");
    }
    Elf_Data* data = elf_getdata(elf_getscn(elf_.get(), symtab), nullptr);
    if (!data) return libelf_failure("elf_getdata(.symtab)");
    Elf_Data* shndx_data = nullptr;
    if (extended_indices != 0) {
      shndx_data = elf_getdata(elf_getscn(elf_.get(), extended_indices), nullptr);
      if (!shndx_data) return libelf_failure("elf_getdata(.symtab_shndx)");
    }
    // Entry size and extent were checked in read_sections: count is bounded by the file.
    const std::size_t count = header.sh_size / sizeof(Elf64_Sym);
    if (count == 0) return invalid("empty symbol table");
    if (data->d_size != header.sh_size) return invalid("symbol table has inconsistent data");
    object_.symbols.resize(count);
    for (std::size_t index = 0; index < count; ++index) {
      GElf_Sym raw;
      Elf32_Word extended = 0;
      if (!gelf_getsymshndx(data, shndx_data, static_cast<int>(index), &raw, &extended)) {
        return libelf_failure("gelf_getsymshndx");
      }
      Symbol& symbol = object_.symbols[index];
      symbol.index = index;
      const char* name = elf_strptr(elf_.get(), header.sh_link, raw.st_name);
      if (!name) return invalid("symbol " + std::to_string(index) + " has a bad name offset");
      symbol.name = name;
      symbol.type = GELF_ST_TYPE(raw.st_info);
      symbol.binding = GELF_ST_BIND(raw.st_info);
      symbol.value = raw.st_value;
      symbol.size = raw.st_size;
      std::size_t section = raw.st_shndx == SHN_XINDEX ? extended : raw.st_shndx;
      if (raw.st_shndx == SHN_UNDEF || raw.st_shndx == SHN_ABS || raw.st_shndx == SHN_COMMON) {
        section = 0;
      } else if (section >= object_.sections.size()) {
        return invalid("symbol " + symbol.name + " points to missing section " +
                       std::to_string(section));
      }
      symbol.section = section;
      if (section != 0 && (symbol.value > kMaxSectionBytes || symbol.size > kMaxSectionBytes)) {
        return invalid("symbol " + symbol.name + " has a value or size out of range");
      }
      if (symbol.type == STT_SECTION && section != 0 && symbol.name.empty()) {
        symbol.name = object_.sections[section].name;
      }
      if (section != 0 && symbol.type != STT_SECTION &&
          !is_skipped_section(object_.sections[section].name)) {
        const std::uint64_t limit = object_.sections[section].size;
        if (symbol.value > limit || symbol.size > limit - symbol.value) {
          return invalid("symbol " + symbol.name + " extends past its section " +
                         object_.sections[section].name);
        }
      }
    }
    return Status::ok();
  }

  Status read_relocations() {
    for (std::size_t index = 1; index < object_.sections.size(); ++index) {
      const Section& rela = object_.sections[index];
      if (rela.type == SHT_REL) return invalid("SHT_REL section " + rela.name + " (expected RELA)");
      if (rela.type != SHT_RELA || is_skipped_section(rela.name)) continue;
      const GElf_Shdr& header = header_of(index);
      if (header.sh_link != symtab_index_) {
        return invalid("relocation section " + rela.name + " does not use the symbol table");
      }
      if (header.sh_info == 0 || header.sh_info >= object_.sections.size()) {
        return invalid("relocation section " + rela.name + " targets a missing section");
      }
      Section& target = object_.sections[header.sh_info];
      if (is_skipped_section(target.name)) continue;
      Elf_Data* data = elf_getdata(elf_getscn(elf_.get(), index), nullptr);
      if (!data) return libelf_failure("elf_getdata(" + rela.name + ")");
      const std::size_t count = header.sh_size / sizeof(Elf64_Rela);  // entry size checked
      target.relocations.reserve(count);
      for (std::size_t entry = 0; entry < count; ++entry) {
        GElf_Rela raw;
        if (!gelf_getrela(data, static_cast<int>(entry), &raw)) {
          return libelf_failure("gelf_getrela(" + rela.name + ")");
        }
        Relocation relocation{raw.r_offset, static_cast<std::uint32_t>(GELF_R_TYPE(raw.r_info)),
                              GELF_R_SYM(raw.r_info), raw.r_addend};
        if (auto status = check_relocation(relocation, target); !status) return status;
        target.relocations.push_back(relocation);
      }
      // Sorted by offset so that the relocations of one function form a contiguous run.
      std::stable_sort(
          target.relocations.begin(), target.relocations.end(),
          [](const Relocation& a, const Relocation& b) { return a.offset < b.offset; });
    }
    return Status::ok();
  }

  Status check_relocation(const Relocation& relocation, const Section& target) const {
    const std::string where = target.name + "+0x" + to_hex_offset(relocation.offset);
    if (relocation.symbol >= object_.symbols.size()) {
      return invalid("relocation at " + where + " names missing symbol " +
                     std::to_string(relocation.symbol));
    }
    auto width = relocation_width(relocation.type);
    if (!width) {
      return invalid("relocation at " + where + " has unsupported type " +
                     std::to_string(relocation.type));
    }
    if (relocation.offset > target.size || *width > target.size - relocation.offset) {
      return invalid("relocation at " + where + " extends past its section");
    }
    // Consumers add the addend to offsets within the object and field widths; a bound here
    // keeps all of that arithmetic in range (a compiler's addends are 32-bit in practice).
    if (relocation.addend > kMaxAddend || relocation.addend < -kMaxAddend) {
      return invalid("relocation at " + where + " has an addend out of range (" +
                     std::to_string(relocation.addend) + ")");
    }
    return Status::ok();
  }

  static std::string to_hex_offset(std::uint64_t value) {
    char text[32];
    std::snprintf(text, sizeof text, "%llx", static_cast<unsigned long long>(value));
    return text;
  }

  Status read_groups() {
    for (std::size_t index = 1; index < object_.sections.size(); ++index) {
      const Section& group = object_.sections[index];
      if (group.type != SHT_GROUP) continue;
      if (group.bytes.size() % 4 != 0) return invalid("group " + group.name + " is malformed");
      // Word 0 holds the group flags; the rest are member section indices.
      for (std::size_t offset = 4; offset < group.bytes.size(); offset += 4) {
        std::uint32_t member = 0;
        std::memcpy(&member, group.bytes.data() + offset, 4);
        if (member == 0 || member >= object_.sections.size()) {
          return invalid("group " + group.name + " names missing section " +
                         std::to_string(member));
        }
        object_.sections[member].group = index;
      }
    }
    return Status::ok();
  }

  ElfObject object_;
  std::string buffer_;
  ElfHandle elf_;
  std::size_t section_names_index_ = 0;
  std::size_t symtab_index_ = 0;
  std::vector<GElf_Shdr> headers_;
};

}  // namespace

bool Section::executable() const {
  return (flags & SHF_EXECINSTR) != 0;
}
bool Section::writable() const {
  return (flags & SHF_WRITE) != 0;
}
bool Section::is_strings() const {
  return (flags & (SHF_MERGE | SHF_STRINGS)) == (SHF_MERGE | SHF_STRINGS);
}

Expected<ElfObject> ElfObject::load(const std::filesystem::path& path) {
  return Loader(path).run();
}

}  // namespace hotsplice::elfdiff
