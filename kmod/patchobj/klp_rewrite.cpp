#include "kmod/patchobj/klp_rewrite.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/base/error_codes.h"
#include "kmod/patchobj/error_codes.h"

namespace hotsplice::patchobj {
namespace {

constexpr std::uint64_t kShfRelaLivepatch = 0x00100000;
constexpr std::uint16_t kShnLivepatch = 0xff20;
constexpr const char* kPrefix = ".klp.sym.";

struct ElfCloser {
  void operator()(Elf* elf) const { elf_end(elf); }
};

class Rewriter {
 public:
  explicit Rewriter(std::filesystem::path path) : path_(std::move(path)) {}

  Expected<RewriteSummary> run() {
    if (elf_version(EV_CURRENT) == EV_NONE) return failure("elf_version");
    fd_ = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
    if (fd_ < 0) return Error(hotsplice::errc::kIoError, "cannot open " + path_.string());
    auto result = rewrite();
    elf_.reset();
    ::close(fd_);
    return result;
  }

 private:
  Error failure(const std::string& call) const {
    const char* text = elf_errmsg(-1);
    return Error(errc::kElfWriteFailed, path_.string() + ": " + call +
                                            " failed: " + (text ? text : "unknown libelf error"));
  }

  Expected<RewriteSummary> rewrite() {
    // Mapped, not read: with ELF_C_RDWR, libelf (elfutils 0.188) reads the file into memory
    // and, at elf_update, writes the section header table from the array it read, sized
    // for the original count, past its end once a .klp.rela section has been added
    // (ASan: heap-buffer-overflow in pwrite; the file is left with a NULL last header).
    // Seen with a module of 56 sections; with the mapping libelf builds a fresh table.
    elf_.reset(elf_begin(fd_, ELF_C_RDWR_MMAP, nullptr));
    if (!elf_) return failure("elf_begin");
    if (elf_getshdrstrndx(elf_.get(), &shstrndx_) != 0) return failure("elf_getshdrstrndx");
    if (auto status = mark_symbols(); !status) return status.error();
    if (auto status = split_relocations(); !status) return status.error();
    if (auto status = add_sections(); !status) return status.error();
    if (elf_update(elf_.get(), ELF_C_WRITE) < 0) return failure("elf_update");
    return summary_;
  }

  Status mark_symbols() {
    for (Elf_Scn* scn = elf_nextscn(elf_.get(), nullptr); scn; scn = elf_nextscn(elf_.get(), scn)) {
      GElf_Shdr header;
      if (!gelf_getshdr(scn, &header)) return failure("gelf_getshdr");
      if (header.sh_type != SHT_SYMTAB) continue;
      symtab_index_ = elf_ndxscn(scn);
      Elf_Data* data = elf_getdata(scn, nullptr);
      if (!data) return failure("elf_getdata(.symtab)");
      const std::size_t count = header.sh_size / header.sh_entsize;
      for (std::size_t i = 1; i < count; ++i) {
        GElf_Sym symbol;
        if (!gelf_getsym(data, static_cast<int>(i), &symbol)) return failure("gelf_getsym");
        const char* name = elf_strptr(elf_.get(), header.sh_link, symbol.st_name);
        if (!name || std::strncmp(name, kPrefix, std::strlen(kPrefix)) != 0) continue;
        const std::string rest = name + std::strlen(kPrefix);
        const std::size_t dot = rest.find('.');
        if (dot == std::string::npos || rest.find(',') == std::string::npos) {
          return Error(errc::kInvalidObject,
                       path_.string() + ": malformed livepatch symbol " + name);
        }
        if (symbol.st_shndx != SHN_UNDEF) {
          return Error(errc::kInvalidObject,
                       path_.string() + ": livepatch placeholder " + name + " is defined");
        }
        symbol.st_shndx = kShnLivepatch;
        symbol.st_info = GELF_ST_INFO(STB_GLOBAL, GELF_ST_TYPE(symbol.st_info));
        if (!gelf_update_sym(data, static_cast<int>(i), &symbol)) return failure("gelf_update_sym");
        object_of_symbol_[i] = rest.substr(0, dot);
        ++summary_.livepatch_symbols;
      }
      elf_flagdata(data, ELF_C_SET, ELF_F_DIRTY);
    }
    if (symtab_index_ == 0)
      return Error(errc::kInvalidObject, path_.string() + " has no symbol table");
    return Status::ok();
  }

  Status split_relocations() {
    for (Elf_Scn* scn = elf_nextscn(elf_.get(), nullptr); scn; scn = elf_nextscn(elf_.get(), scn)) {
      GElf_Shdr header;
      if (!gelf_getshdr(scn, &header)) return failure("gelf_getshdr");
      if (header.sh_type != SHT_RELA || (header.sh_flags & kShfRelaLivepatch)) continue;
      Elf_Data* data = elf_getdata(scn, nullptr);
      if (!data) return failure("elf_getdata(rela)");
      const std::size_t count = header.sh_size / sizeof(Elf64_Rela);
      auto* entries = static_cast<Elf64_Rela*>(data->d_buf);
      std::size_t kept = 0;
      for (std::size_t i = 0; i < count; ++i) {
        auto object = object_of_symbol_.find(ELF64_R_SYM(entries[i].r_info));
        if (object == object_of_symbol_.end()) {
          entries[kept++] = entries[i];
          continue;
        }
        moved_[{object->second, header.sh_info}].push_back(entries[i]);
        ++summary_.livepatch_relocations;
      }
      if (kept == count) continue;
      data->d_size = kept * sizeof(Elf64_Rela);
      header.sh_size = data->d_size;
      if (!gelf_update_shdr(scn, &header)) return failure("gelf_update_shdr");
      elf_flagdata(data, ELF_C_SET, ELF_F_DIRTY);
    }
    return Status::ok();
  }

  Status add_sections() {
    if (moved_.empty()) return Status::ok();
    Elf_Scn* names_scn = elf_getscn(elf_.get(), shstrndx_);
    Elf_Data* names = names_scn ? elf_getdata(names_scn, nullptr) : nullptr;
    if (!names) return failure("elf_getdata(.shstrtab)");
    section_names_.assign(static_cast<char*>(names->d_buf),
                          static_cast<char*>(names->d_buf) + names->d_size);
    std::vector<std::pair<Elf_Scn*, std::size_t>> created;  // section, name offset
    for (auto& [key, entries] : moved_) {
      const auto& [object, target] = key;
      GElf_Shdr target_header;
      Elf_Scn* target_scn = elf_getscn(elf_.get(), target);
      if (!target_scn || !gelf_getshdr(target_scn, &target_header)) return failure("gelf_getshdr");
      const char* target_name = elf_strptr(elf_.get(), shstrndx_, target_header.sh_name);
      const std::string name = ".klp.rela." + object + "." + (target_name ? target_name : "");
      const std::size_t name_offset = section_names_.size();
      section_names_.insert(section_names_.end(), name.begin(), name.end());
      section_names_.push_back('\0');
      Elf_Scn* scn = elf_newscn(elf_.get());
      if (!scn) return failure("elf_newscn");
      Elf_Data* data = elf_newdata(scn);
      if (!data) return failure("elf_newdata");
      data->d_buf = entries.data();
      data->d_size = entries.size() * sizeof(Elf64_Rela);
      data->d_type = ELF_T_RELA;
      data->d_align = 8;
      GElf_Shdr header;
      if (!gelf_getshdr(scn, &header)) return failure("gelf_getshdr");
      header.sh_type = SHT_RELA;
      header.sh_flags = SHF_ALLOC | SHF_INFO_LINK | kShfRelaLivepatch;
      header.sh_link = static_cast<std::uint32_t>(symtab_index_);
      header.sh_info = static_cast<std::uint32_t>(target);
      header.sh_addralign = 8;
      header.sh_entsize = sizeof(Elf64_Rela);
      header.sh_size = data->d_size;
      if (!gelf_update_shdr(scn, &header)) return failure("gelf_update_shdr");
      created.emplace_back(scn, name_offset);
    }
    // The names go in last: the grown name table may move, so offsets are set once.
    names->d_buf = section_names_.data();
    names->d_size = section_names_.size();
    elf_flagdata(names, ELF_C_SET, ELF_F_DIRTY);
    GElf_Shdr names_header;
    if (!gelf_getshdr(names_scn, &names_header)) return failure("gelf_getshdr");
    names_header.sh_size = names->d_size;
    if (!gelf_update_shdr(names_scn, &names_header)) return failure("gelf_update_shdr");
    for (auto [scn, offset] : created) {
      GElf_Shdr header;
      if (!gelf_getshdr(scn, &header)) return failure("gelf_getshdr");
      header.sh_name = static_cast<std::uint32_t>(offset);
      if (!gelf_update_shdr(scn, &header)) return failure("gelf_update_shdr");
    }
    return Status::ok();
  }

  std::filesystem::path path_;
  int fd_ = -1;
  std::unique_ptr<Elf, ElfCloser> elf_;
  std::size_t shstrndx_ = 0;
  std::size_t symtab_index_ = 0;
  std::map<std::size_t, std::string> object_of_symbol_;
  std::map<std::pair<std::string, std::size_t>, std::vector<Elf64_Rela>> moved_;
  std::vector<char> section_names_;
  RewriteSummary summary_;
};

}  // namespace

Expected<RewriteSummary> rewrite_livepatch_relocations(const std::filesystem::path& module) {
  return Rewriter(module).run();
}

}  // namespace hotsplice::patchobj
