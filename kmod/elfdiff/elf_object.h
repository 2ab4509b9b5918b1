// One relocatable ELF object (a compiler's .o) read with libelf into plain values: its
// sections with their bytes and relocations, and its symbols. The file is untrusted input:
// every libelf failure, every index and every offset is checked, and an Error names the
// file and what is wrong with it. Debug sections keep their name only (their contents are
// never compared and are most of a kernel object's size).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/base/expected.h"

namespace hotsplice::elfdiff {

struct Relocation {
  std::uint64_t offset = 0;  // within the section the relocation applies to
  std::uint32_t type = 0;    // R_X86_64_*
  std::size_t symbol = 0;    // index into ElfObject::symbols
  std::int64_t addend = 0;
};

struct Section {
  std::size_t index = 0;
  std::string name;
  std::uint32_t type = 0;
  std::uint64_t flags = 0;
  std::uint64_t size = 0;
  std::uint64_t alignment = 0;          // sh_addralign, kept so a section can be copied
  std::uint64_t entry_size = 0;         // sh_entsize
  std::vector<std::uint8_t> bytes;      // empty for SHT_NOBITS and skipped sections
  std::vector<Relocation> relocations;  // from the SHT_RELA section that targets this one
  std::size_t group = 0;                // index of the SHT_GROUP section holding it, 0 if none

  bool executable() const;
  bool writable() const;
  bool is_strings() const;  // SHF_MERGE|SHF_STRINGS: compared by string content
};

struct Symbol {
  std::size_t index = 0;
  std::string name;
  std::uint8_t type = 0;     // STT_*
  std::uint8_t binding = 0;  // STB_*
  std::size_t section = 0;   // 0 when undefined, absolute or common
  std::uint64_t value = 0;
  std::uint64_t size = 0;

  bool defined() const { return section != 0; }
};

struct ElfObject {
  std::filesystem::path path;
  std::vector<Section> sections;  // indexed by section number; [0] is the null section
  std::vector<Symbol> symbols;    // indexed by symbol number; [0] is the null symbol

  // Reads an x86-64 ET_REL object. Fails with "invalid_object" (or "io_error").
  static Expected<ElfObject> load(const std::filesystem::path& path);
};

// Largest object accepted: a debug-info kernel object is tens of MB; this bounds memory.
inline constexpr std::size_t kMaxObjectBytes = std::size_t{1} << 30;
// Largest section size accepted, SHT_NOBITS (.bss) included: bounds every offset and symbol
// value, so that sums of them with an addend cannot overflow.
inline constexpr std::uint64_t kMaxSectionBytes = std::uint64_t{1} << 40;
// Largest relocation addend magnitude accepted (x86-64 compilers emit 32-bit addends; 64-bit
// data relocations may carry larger ones). addend + offset + width stays within int64_t.
inline constexpr std::int64_t kMaxAddend = std::int64_t{1} << 61;

}  // namespace hotsplice::elfdiff
