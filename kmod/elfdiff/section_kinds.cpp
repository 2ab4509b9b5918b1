#include "kmod/elfdiff/section_kinds.h"

#include <elf.h>

#include <array>

namespace hotsplice::elfdiff {
namespace {

constexpr std::array<SpecialTable, 11> kLinux61Tables = {{
    // struct bug_entry: bug_addr_disp, file_disp, line (u16), flags (u16).
    {"__bug_table", 12, 8, 2, std::nullopt},
    // struct exception_table_entry: insn, fixup, data.
    {"__ex_table", 12, 0, 0, std::nullopt},
    // struct jump_entry: code, target, key (low bits carry the branch direction).
    {"__jump_table", 16, 0, 0, 8},
    // struct alt_instr: instr_offset, repl_offset, cpuid (u16), instrlen, replacementlen.
    {".altinstructions", 12, 0, 0, std::nullopt, 10},
    // struct paravirt_patch_site: instr pointer, type, len (padded to 16).
    {".parainstructions", 16, 0, 0, std::nullopt, 9},
    // struct static_call_site: addr, key.
    {".static_call_sites", 8, 0, 0, 4},
    // Plain lists of instruction addresses that objtool records for boot-time patching.
    {".retpoline_sites", 4, 0, 0, std::nullopt},
    {".return_sites", 4, 0, 0, std::nullopt},
    {".call_sites", 4, 0, 0, std::nullopt},
    {".ibt_endbr_seal", 4, 0, 0, std::nullopt},
    {".smp_locks", 4, 0, 0, std::nullopt},
}};

TableLayouts& layouts_in_force() {
  static TableLayouts layouts = linux_6_1_layouts();
  return layouts;
}

// Sections whose content follows from the code or never reaches the running kernel.
bool is_ignored_name(std::string_view name) {
  constexpr std::array<std::string_view, 14> kPrefixes = {".debug",
                                                          ".note",
                                                          ".comment",
                                                          ".discard",
                                                          ".orc_unwind",
                                                          "__mcount_loc",
                                                          "__patchable_function_entries",
                                                          ".modinfo",
                                                          "__dyndbg",
                                                          ".BTF",
                                                          ".llvm_addrsig",
                                                          ".gnu.",
                                                          "__ksymtab_strings",
                                                          ".eh_frame"};
  for (std::string_view prefix : kPrefixes) {
    if (name.starts_with(prefix)) return true;
  }
  return false;
}

}  // namespace

const SpecialTable* find_special_table(std::string_view section_name) {
  for (const SpecialTable& table : layouts_in_force().tables) {
    if (section_name == table.name) return &table;
  }
  return nullptr;
}

TableLayouts linux_6_1_layouts() {
  return TableLayouts{{kLinux61Tables.begin(), kLinux61Tables.end()}, {}};
}

std::vector<std::string_view> special_table_names() {
  std::vector<std::string_view> names;
  for (const SpecialTable& table : kLinux61Tables) names.push_back(table.name);
  return names;
}

void use_table_layouts(TableLayouts layouts) {
  layouts_in_force() = std::move(layouts);
}

std::optional<std::string> unknown_layout_reason(std::string_view section_name) {
  for (const auto& [name, why] : layouts_in_force().unknown) {
    if (section_name == name) return why;
  }
  return std::nullopt;
}

SectionKind classify(const Section& section) {
  if (section.index == 0 || is_ignored_name(section.name)) return SectionKind::ignored;
  if (section.type != SHT_PROGBITS && section.type != SHT_NOBITS) return SectionKind::ignored;
  if ((section.flags & SHF_ALLOC) == 0) return SectionKind::ignored;
  if (section.executable()) return SectionKind::code;
  if (section.is_strings()) return SectionKind::strings;
  if (find_special_table(section.name) || unknown_layout_reason(section.name)) {
    return SectionKind::special;
  }
  return SectionKind::data;
}

bool is_init_or_exit(const Section& section) {
  const std::string_view name = section.name;
  return name.starts_with(".init.") || name.starts_with(".exit.") ||
         name.starts_with(".initcall") || name == ".init.setup" || name == ".head.text";
}

}  // namespace hotsplice::elfdiff
