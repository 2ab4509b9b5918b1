#include "kmod/target_kernel/btf_layouts.h"

#include <bpf/btf.h>

#include <cstring>
#include <memory>
#include <optional>

#include "kmod/target_kernel/error_codes.h"
#include "kmod/target_kernel/vmlinux_sections.h"

namespace hotsplice::target_kernel {
namespace {

// Which struct describes each table, and which of its members matter to the comparison.
struct TableType {
  const char* section;
  const char* type;                      // nullptr: objtool's list of s32 offsets
  const char* key_member = nullptr;      // the static key of jump labels / static calls
  const char* ignored_member = nullptr;  // __LINE__ of a WARN: not a change
  const char* length_member = nullptr;   // the rewritten site's length (one byte)
};

constexpr TableType kTableTypes[] = {
    {"__bug_table", "bug_entry", nullptr, "line"},
    {"__ex_table", "exception_table_entry"},
    {"__jump_table", "jump_entry", "key"},
    {".altinstructions", "alt_instr", nullptr, nullptr, "instrlen"},
    {".parainstructions", "paravirt_patch_site", nullptr, nullptr, "len"},
    {".static_call_sites", "static_call_site", "key"},
    {".retpoline_sites", nullptr},
    {".return_sites", nullptr},
    {".call_sites", nullptr},
    {".ibt_endbr_seal", nullptr},
    {".smp_locks", nullptr},
};

constexpr std::uint32_t kSiteListEntrySize = 4;

struct Member {
  std::uint32_t offset = 0;  // bytes
  std::uint32_t size = 0;
};

std::optional<Member> member_of(const btf* types, const btf_type* type, const char* name) {
  const btf_member* members = btf_members(type);
  for (std::uint16_t i = 0; i < btf_vlen(type); ++i) {
    const char* member_name = btf__name_by_offset(types, members[i].name_off);
    if (!member_name || std::strcmp(member_name, name) != 0) continue;
    const std::uint32_t bits = btf_member_bit_offset(type, i);
    const long long size = btf__resolve_size(types, members[i].type);
    if (bits % 8 != 0 || size <= 0) return std::nullopt;
    return Member{bits / 8, static_cast<std::uint32_t>(size)};
  }
  return std::nullopt;
}

}  // namespace

Expected<elfdiff::TableLayouts> layouts_from_btf(std::string_view vmlinux) {
  auto section = find_vmlinux_section(vmlinux, ".BTF");
  if (!section) {
    return Error(errc::kNoBtf,
                 "the kernel image has no .BTF section (not an ELF vmlinux, or built without "
                 "CONFIG_DEBUG_INFO_BTF)");
  }
  std::unique_ptr<btf, decltype(&btf__free)> types(
      btf__new(section->bytes.data(), static_cast<std::uint32_t>(section->bytes.size())),
      &btf__free);
  if (!types) {
    return Error(errc::kNoBtf, "libbpf cannot parse the kernel's .BTF section (" +
                                   std::to_string(section->bytes.size()) + " bytes)");
  }
  elfdiff::TableLayouts layouts;
  for (const TableType& table : kTableTypes) {
    if (!table.type) {
      layouts.tables.push_back({table.section, kSiteListEntrySize, 0, 0, std::nullopt});
      continue;
    }
    const std::string type_name = std::string("struct ") + table.type;
    const int id = btf__find_by_name_kind(types.get(), table.type, BTF_KIND_STRUCT);
    if (id < 0) {
      layouts.unknown.emplace_back(table.section, type_name + " is not in the target kernel's BTF");
      continue;
    }
    const btf_type* type = btf__type_by_id(types.get(), id);
    const long long size = btf__resolve_size(types.get(), id);
    if (!type || size <= 0 || size > 4096) {
      layouts.unknown.emplace_back(table.section, type_name + " has no usable size in the BTF");
      continue;
    }
    elfdiff::SpecialTable layout{table.section, static_cast<std::uint32_t>(size), 0, 0,
                                 std::nullopt};
    if (table.key_member) {
      auto key = member_of(types.get(), type, table.key_member);
      if (!key) {
        layouts.unknown.emplace_back(table.section,
                                     type_name + " has no member " + table.key_member);
        continue;
      }
      layout.key_offset = key->offset;
    }
    if (table.length_member) {
      auto length = member_of(types.get(), type, table.length_member);
      if (!length || length->size != 1) {
        layouts.unknown.emplace_back(table.section,
                                     type_name + " has no one-byte member " + table.length_member);
        continue;
      }
      layout.site_length_offset = length->offset;
    }
    if (table.ignored_member) {
      // bug_entry.line exists only with CONFIG_DEBUG_BUGVERBOSE; without it nothing is
      // ignored.
      if (auto ignored = member_of(types.get(), type, table.ignored_member)) {
        layout.ignored_offset = ignored->offset;
        layout.ignored_size = ignored->size;
      }
    }
    layouts.tables.push_back(layout);
  }
  return layouts;
}

std::string describe_layouts(const elfdiff::TableLayouts& layouts) {
  std::string text;
  for (const auto& table : layouts.tables) {
    text += std::string(table.name) + ": " + std::to_string(table.entry_size) + "-byte entries";
    if (table.key_offset) text += ", key at " + std::to_string(*table.key_offset);
    if (table.site_length_offset) {
      text += ", site length at " + std::to_string(*table.site_length_offset);
    }
    if (table.ignored_size) {
      text += ", bytes " + std::to_string(table.ignored_offset) + "+" +
              std::to_string(table.ignored_size) + " ignored";
    }
    text += "\n";
  }
  for (const auto& [name, why] : layouts.unknown) text += name + ": unknown (" + why + ")\n";
  return text;
}

}  // namespace hotsplice::target_kernel
