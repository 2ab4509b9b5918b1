// What each section of a kernel object is for, which decides how it is compared: code is
// compared function by function, data object by object, string sections by content, the
// kernel's "special" tables entry by entry as part of the function each entry points into,
// and metadata not at all.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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
// The layouts in force are the target kernel's (see use_table_layouts), Linux 6.1 x86-64's
// until one is installed.
struct SpecialTable {
  std::string_view name;
  std::uint32_t entry_size;
  // Bytes of each entry that do not matter (the __LINE__ of a WARN in __bug_table).
  std::uint32_t ignored_offset = 0;
  std::uint32_t ignored_size = 0;
  // Offset of the static key of a jump label / static call entry, if the table has one.
  std::optional<std::uint32_t> key_offset;
  // Offset of the one-byte length of the site the kernel rewrites (alt_instr.instrlen,
  // paravirt_patch_site.len), for the tables whose entries give one.
  std::optional<std::uint32_t> site_length_offset = std::nullopt;
};

// The table's layout in force, or nullptr when the section is not a special table or its
// layout is unknown for the target (see unknown_layout_reason).
const SpecialTable* find_special_table(std::string_view section_name);

struct TableLayouts {
  std::vector<SpecialTable> tables;  // names are string literals (static storage)
  // Known tables whose layout the target kernel does not give, with why.
  std::vector<std::pair<std::string, std::string>> unknown;
};

// Linux 6.1 on x86-64 (Debian 12's kernel): the layouts used when no target is known.
TableLayouts linux_6_1_layouts();

// The names of every special table hotsplice knows, in a fixed order.
std::vector<std::string_view> special_table_names();

// Installs the target kernel's layouts for the rest of the process. hotsplice-build kernel
// --release calls it once, before any object is read (not safe against concurrent readers).
void use_table_layouts(TableLayouts layouts);

// Why the section's table layout is unknown for the target, or nullopt (known, or not a
// table). Objects holding such a section are refused (kmod/elfdiff errc
// kUnknownTableLayout): compared as plain data, a changed entry would go unseen.
std::optional<std::string> unknown_layout_reason(std::string_view section_name);

SectionKind classify(const Section& section);

// Code or data that only runs or lives while the kernel or a module starts or stops, and
// is gone (or never called again) once it runs: a change there cannot take effect live.
bool is_init_or_exit(const Section& section);

}  // namespace hotsplice::elfdiff
