// What each section of a kernel object is for, which decides how it is compared: code is
// compared function by function, data object by object, string sections by content, the
// kernel's "special" tables entry by entry as part of the function each entry points into,
// and metadata not at all.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "kmod/elfdiff/elf_object.h"

namespace hotsplice::elfdiff {

enum class SectionKind {
  code,     // SHF_EXECINSTR
  strings,  // SHF_MERGE|SHF_STRINGS: literals, compared by content where referenced
  data,     // any other allocated section holding variables
  special,  // a kernel table whose entries belong to functions (see SpecialTable)
  ignored,  // debug info, notes, objtool annotations, tables derived from code
};

// A kernel table made of fixed-size entries whose first field points into a function.
// The layouts are those of Linux 6.1 on x86-64.
struct SpecialTable {
  std::string_view name;
  std::uint32_t entry_size;
  // Bytes of each entry that do not matter (the __LINE__ of a WARN in __bug_table).
  std::uint32_t ignored_offset = 0;
  std::uint32_t ignored_size = 0;
  // Offset of the static key of a jump label / static call entry, if the table has one.
  std::optional<std::uint32_t> key_offset;
};

const SpecialTable* find_special_table(std::string_view section_name);

SectionKind classify(const Section& section);

// Code or data that only runs or lives while the kernel or a module starts or stops, and
// is gone (or never called again) once it runs: a change there cannot take effect live.
bool is_init_or_exit(const Section& section);

}  // namespace hotsplice::elfdiff
