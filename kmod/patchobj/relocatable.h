// An ELF relocatable object as plain values, and its writer. The patch object is built in
// this form (sections copied from the after build, symbols, relocations) and written with
// libelf; the writer orders symbols (locals first) and adds the .rela, .symtab, .strtab and
// .shstrtab sections itself.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/base/expected.h"

namespace hotsplice::patchobj {

struct OutputRelocation {
  std::uint64_t offset = 0;
  std::uint32_t type = 0;
  std::size_t symbol = 0;  // index into RelocatableObject::symbols
  std::int64_t addend = 0;
};

struct OutputSection {
  std::string name;
  std::uint32_t type = 0;  // SHT_PROGBITS or SHT_NOBITS
  std::uint64_t flags = 0;
  std::uint64_t alignment = 1;
  std::uint64_t entry_size = 0;
  std::uint64_t size = 0;  // for SHT_NOBITS; PROGBITS sections use bytes.size()
  std::vector<std::uint8_t> bytes;
  std::vector<OutputRelocation> relocations;
};

struct OutputSymbol {
  std::string name;
  std::uint8_t type = 0;     // STT_*
  std::uint8_t binding = 0;  // STB_*
  std::size_t section = 0;   // 1-based index into RelocatableObject::sections, 0 undefined
  std::uint64_t value = 0;
  std::uint64_t size = 0;
};

struct RelocatableObject {
  std::vector<OutputSection> sections;  // written as sections 1..n
  std::vector<OutputSymbol> symbols;    // [0] is the null symbol

  RelocatableObject() : symbols(1) {}
  std::size_t add_section(OutputSection section);  // returns its 1-based index
  std::size_t add_symbol(OutputSymbol symbol);
};

// Writes an x86-64 ET_REL object. Fails with "io_error" or "elf_write_failed".
Status write_relocatable(const RelocatableObject& object, const std::filesystem::path& path);

}  // namespace hotsplice::patchobj
