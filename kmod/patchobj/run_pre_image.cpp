#include "kmod/patchobj/run_pre_image.h"

#include <elf.h>

#include <algorithm>

#include "kmod/elfdiff/x86_relocations.h"
#include "kmod/patchobj/error_codes.h"

namespace hotsplice::patchobj {
namespace {

using elfdiff::Relocation;
using elfdiff::Section;

constexpr std::size_t kCallLength = 5;

// How many bytes at a table entry's site the kernel may rewrite, given the entry bytes.
std::size_t rewritten_length(const std::string& table, const std::uint8_t* entry) {
  if (table == ".altinstructions") return entry[10];  // struct alt_instr.instrlen
  if (table == ".parainstructions") return entry[9];  // struct paravirt_patch_site.len
  if (table == "__jump_table" || table == ".static_call_sites" || table == ".return_sites" ||
      table == ".call_sites") {
    return kCallLength;
  }
  if (table == ".retpoline_sites") return kCallLength + 1;  // jcc rel32 is 6 bytes
  if (table == ".smp_locks") return 1;                      // lock prefix -> ds
  return 0;
}

}  // namespace

Expected<RunPreImage> run_pre_image(const elfdiff::ObjectIndex& before,
                                    const elfdiff::Symbol& function) {
  const elfdiff::ElfObject& object = before.object();
  const Section& text = object.sections[function.section];
  if (function.value + function.size > text.bytes.size()) {
    return Error(errc::kInvalidObject, function.name + " lies outside its section");
  }
  RunPreImage image;
  image.bytes.assign(text.bytes.begin() + function.value,
                     text.bytes.begin() + function.value + function.size);
  image.compare.assign(image.bytes.size(), 1);
  auto skip = [&](std::int64_t at, std::size_t length) {
    const std::int64_t begin = at - static_cast<std::int64_t>(function.value);
    for (std::int64_t i = std::max<std::int64_t>(begin, 0);
         i < begin + static_cast<std::int64_t>(length) &&
         i < static_cast<std::int64_t>(image.compare.size());
         ++i) {
      image.compare[static_cast<std::size_t>(i)] = 0;
    }
  };
  for (const Relocation& relocation : text.relocations) {
    if (relocation.offset < function.value || relocation.offset >= function.value + function.size) {
      continue;
    }
    const std::int64_t at = static_cast<std::int64_t>(relocation.offset);
    skip(at, elfdiff::relocation_width(relocation.type).value_or(8));
    // The call instruction's opcode goes too: a NOP or a call to a trampoline replaces it.
    if (object.symbols[relocation.symbol].name == "__fentry__") skip(at - 1, 1);
  }
  for (const Section& table : object.sections) {
    const auto* layout = elfdiff::find_special_table(table.name);
    if (layout == nullptr || table.bytes.empty()) continue;
    for (const Relocation& relocation : table.relocations) {
      if (relocation.offset % layout->entry_size != 0) continue;  // the site is field 0
      if (relocation.offset + layout->entry_size > table.bytes.size()) continue;
      const elfdiff::Symbol& site = object.symbols[relocation.symbol];
      if (site.section != function.section) continue;
      const std::int64_t point =
          relocation.addend +
          (site.type == STT_SECTION ? 0 : static_cast<std::int64_t>(site.value));
      const std::size_t length = rewritten_length(table.name, &table.bytes[relocation.offset]);
      skip(point, length);
    }
  }
  return image;
}

}  // namespace hotsplice::patchobj
