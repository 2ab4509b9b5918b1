// read_module_info: finds .modinfo in a .ko with libelf and hands it to parse_modinfo.
#include "core/kernel/module_info.h"

#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "core/base/file_io.h"
#include "core/base/unique_fd.h"
#include "core/kernel/error_codes.h"

namespace hotsplice {
namespace {

struct ElfDeleter {
  void operator()(Elf* elf) const { elf_end(elf); }
};
using ElfHandle = std::unique_ptr<Elf, ElfDeleter>;

std::string libelf_message() {
  const char* message = elf_errmsg(-1);  // -1: the current error of this thread
  return message != nullptr ? message : "unknown libelf error";
}

Error elf_invalid(const std::filesystem::path& path, std::string_view step) {
  return Error(kernel::errc::kElfInvalid,
               path.string() + ": " + std::string(step) + ": " + libelf_message());
}

// libelf must be told which ELF version we speak before any other call; once per process.
bool libelf_ready() {
  static const bool ready = elf_version(EV_CURRENT) != EV_NONE;
  return ready;
}

const char* elf_type_name(GElf_Half type) {
  switch (type) {
    case ET_NONE:
      return "ET_NONE";
    case ET_EXEC:
      return "ET_EXEC (an executable)";
    case ET_DYN:
      return "ET_DYN (a shared object or PIE)";
    case ET_CORE:
      return "ET_CORE (a core dump)";
    default:
      return "an unknown type";
  }
}

// Finds the one .modinfo section, checking that the section header table is readable.
Expected<Elf_Scn*> find_modinfo_section(Elf* elf, const std::filesystem::path& path) {
  std::size_t names_index = 0;
  if (elf_getshdrstrndx(elf, &names_index) != 0) {
    return elf_invalid(path, "reading the section name table index");
  }
  Elf_Scn* found = nullptr;
  for (Elf_Scn* section = elf_nextscn(elf, nullptr); section != nullptr;
       section = elf_nextscn(elf, section)) {
    GElf_Shdr header;
    if (gelf_getshdr(section, &header) == nullptr) {
      return elf_invalid(path, "reading section header " + std::to_string(elf_ndxscn(section)));
    }
    const char* name = elf_strptr(elf, names_index, header.sh_name);
    if (name == nullptr) {
      return elf_invalid(path,
                         "reading the name of section " + std::to_string(elf_ndxscn(section)));
    }
    if (std::string_view(name) != ".modinfo") continue;
    if (found != nullptr) {
      // The kernel would read only the first; two mean a crafted file.
      return Error(kernel::errc::kElfInvalid, path.string() + ": more than one .modinfo section");
    }
    found = section;
  }
  if (found == nullptr) {
    return Error(kernel::errc::kModinfoMissing,
                 path.string() + ": no .modinfo section (not a kernel module)");
  }
  return found;
}

// The section's bytes, after checking that they lie inside the file.
Expected<std::span<const std::uint8_t>> section_bytes(Elf_Scn* section, std::uint64_t file_size,
                                                      const std::filesystem::path& path) {
  GElf_Shdr header;
  if (gelf_getshdr(section, &header) == nullptr)
    return elf_invalid(path, "reading .modinfo header");
  if (header.sh_type != SHT_PROGBITS) {
    return Error(kernel::errc::kElfInvalid, path.string() +
                                                ": .modinfo is not SHT_PROGBITS (type " +
                                                std::to_string(header.sh_type) + ")");
  }
  if (header.sh_offset > file_size || header.sh_size > file_size - header.sh_offset) {
    return Error(kernel::errc::kElfInvalid,
                 path.string() + ": .modinfo (offset " + std::to_string(header.sh_offset) +
                     ", size " + std::to_string(header.sh_size) + ") lies past the end of the " +
                     std::to_string(file_size) + "-byte file");
  }
  if (header.sh_size > kMaxModinfoBytes) {
    return Error(kernel::errc::kModinfoMalformed,
                 path.string() + ": .modinfo of " + std::to_string(header.sh_size) +
                     " bytes exceeds the limit of " + std::to_string(kMaxModinfoBytes));
  }
  // elf_rawdata: the bytes as stored, no byte-order translation (they are strings).
  Elf_Data* data = elf_rawdata(section, nullptr);
  if (data == nullptr) {
    if (header.sh_size == 0) return std::span<const std::uint8_t>();
    return elf_invalid(path, "reading .modinfo data");
  }
  if (data->d_size != header.sh_size || (data->d_size > 0 && data->d_buf == nullptr)) {
    return Error(kernel::errc::kElfInvalid,
                 path.string() + ": .modinfo data does not match its header");
  }
  return std::span<const std::uint8_t>(static_cast<const std::uint8_t*>(data->d_buf), data->d_size);
}

}  // namespace

Expected<ModuleInfo> read_module_info(const std::filesystem::path& path) {
  if (!libelf_ready()) return Error(kernel::errc::kElfInvalid, "libelf: " + libelf_message());
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return io_error("open " + path.string(), errno);
  struct stat file_status {};
  if (::fstat(fd.get(), &file_status) != 0) return io_error("stat " + path.string(), errno);
  if (!S_ISREG(file_status.st_mode)) {
    return Error(kernel::errc::kNotElf, path.string() + ": not a regular file");
  }

  // ELF_C_READ (not _MMAP): a file truncated under us yields a libelf error, not SIGBUS.
  ElfHandle elf(elf_begin(fd.get(), ELF_C_READ, nullptr));
  if (!elf) return elf_invalid(path, "elf_begin");
  if (elf_kind(elf.get()) != ELF_K_ELF) {
    return Error(kernel::errc::kNotElf, path.string() + ": not an ELF file");
  }
  GElf_Ehdr header;
  if (gelf_getehdr(elf.get(), &header) == nullptr) return elf_invalid(path, "reading ELF header");
  if (header.e_type != ET_REL) {
    return Error(kernel::errc::kNotRelocatable, path.string() + ": ELF type is " +
                                                    elf_type_name(header.e_type) +
                                                    ", a kernel module is ET_REL");
  }
  auto section = find_modinfo_section(elf.get(), path);
  if (!section) return section.error();
  auto bytes = section_bytes(*section, static_cast<std::uint64_t>(file_status.st_size), path);
  if (!bytes) return bytes.error();
  return parse_modinfo(*bytes, path.string());
}

}  // namespace hotsplice
