#include "kmod/patchobj/run_pre_image.h"

#include <elf.h>

#include <algorithm>
#include <array>
#include <optional>
#include <string_view>

#include "kmod/elfdiff/x86_relocations.h"
#include "kmod/patchobj/error_codes.h"

namespace hotsplice::patchobj {
namespace {

using elfdiff::Relocation;
using elfdiff::Section;

constexpr std::uint8_t kCall = 0xe8;
constexpr std::uint8_t kJmp = 0xe9;
constexpr std::size_t kRel32BranchLength = 5;  // e8/e9 rel32
constexpr std::size_t kRel32JccLength = 6;     // 0f 8x rel32
constexpr std::array<std::uint8_t, 4> kEndbr64 = {0xf3, 0x0f, 0x1e, 0xfa};

// What the kernel does at a site, by the table (or the branch target) that names it.
enum class SiteKind {
  rewritten,     // any bytes may stand there: skip the site's instruction
  return_thunk,  // apply_returns: only `jmp __x86_return_thunk` is rewritten, to known forms
  retpoline,     // apply_retpolines: the rel32 call/jmp/jcc becomes an indirect branch
  static_call,   // the rel32 call/jmp becomes a call, jmp, NOP or ret
  endbr,         // apply_seal_endbr: endbr64 or its poison
};

struct Site {
  std::uint64_t at = 0;  // offset in the function's section
  SiteKind kind = SiteKind::rewritten;
  std::size_t length = 0;  // for SiteKind::rewritten
};

// Length of the rel32 call, jmp or jcc starting at `at`, or 0 if there is none: the kernel
// rewrites only those at retpoline and static call sites (and WARNs at anything else).
std::size_t rel32_branch_length(const Section& text, std::uint64_t at) {
  const auto& bytes = text.bytes;
  if (at >= bytes.size()) return 0;
  if (bytes[at] == kCall || bytes[at] == kJmp) return kRel32BranchLength;
  if (bytes[at] == 0x0f && at + 1 < bytes.size() && (bytes[at + 1] & 0xf0) == 0x80) {
    return kRel32JccLength;
  }
  return 0;
}

// The site a table entry names, from the entry's bytes. nullopt: not a code site
// (__bug_table, __ex_table: their sites are compared like any code).
std::optional<Site> table_site(const elfdiff::SpecialTable& layout, const std::uint8_t* entry,
                               std::uint64_t at) {
  const std::string_view table = layout.name;
  // alt_instr.instrlen, paravirt_patch_site.len: where the target kernel's layout has them.
  if (layout.site_length_offset && *layout.site_length_offset < layout.entry_size) {
    return Site{at, SiteKind::rewritten, entry[*layout.site_length_offset]};
  }
  if (table == "__jump_table" || table == ".call_sites") {
    return Site{at, SiteKind::rewritten, kRel32BranchLength};
  }
  if (table == ".smp_locks") return Site{at, SiteKind::rewritten, 1};  // lock prefix -> ds
  if (table == ".return_sites") return Site{at, SiteKind::return_thunk};
  if (table == ".retpoline_sites") return Site{at, SiteKind::retpoline};
  if (table == ".static_call_sites") return Site{at, SiteKind::static_call};
  if (table == ".ibt_endbr_seal") return Site{at, SiteKind::endbr};
  return std::nullopt;
}

// The site objtool would list for a branch whose rel32 (at `field`) targets `target`, the
// same rule objtool applies to build .return_sites, .retpoline_sites and
// .static_call_sites: by the target's name.
std::optional<Site> branch_site(const Section& text, std::uint64_t field, std::string_view target) {
  SiteKind kind;
  if (target == "__x86_return_thunk") {
    kind = SiteKind::return_thunk;
  } else if (target.starts_with("__x86_indirect_")) {
    kind = SiteKind::retpoline;
  } else if (target.starts_with("__SCT__")) {
    kind = SiteKind::static_call;
  } else {
    return std::nullopt;
  }
  for (std::uint64_t back : {1, 2}) {
    if (field >= back && rel32_branch_length(text, field - back) == back + 4) {
      return Site{field - back, kind};
    }
  }
  return std::nullopt;  // not a rel32 branch: the kernel does not rewrite it
}

class Image {
 public:
  Image(const Section& text, const elfdiff::Symbol& function)
      : text_(text), begin_(function.value) {
    image_.bytes.assign(text.bytes.begin() + function.value,
                        text.bytes.begin() + function.value + function.size);
    image_.compare.assign(image_.bytes.size(), kRunPreEqual);
  }

  // Bytes [at, at + length) of the section are not compared.
  void skip(std::int64_t at, std::size_t length) { mark(at, length, kRunPreSkip, false); }

  void add(const Site& site) {
    const auto at = static_cast<std::int64_t>(site.at);
    switch (site.kind) {
      case SiteKind::rewritten:
        skip(at, site.length);
        break;
      case SiteKind::return_thunk:
        // apply_returns rewrites a jmp only; a jcc to the thunk stays as built.
        if (site.at < text_.bytes.size() && text_.bytes[site.at] == kJmp) {
          special_.push_back({at, kRunPreReturnThunk});
          skip(at + 1, kRel32BranchLength - 1);
        }
        break;
      case SiteKind::retpoline:
      case SiteKind::static_call:
        skip(at, rel32_branch_length(text_, site.at));
        break;
      case SiteKind::endbr:
        if (site.at + kEndbr64.size() <= text_.bytes.size() &&
            std::equal(kEndbr64.begin(), kEndbr64.end(), text_.bytes.begin() + site.at)) {
          special_.push_back({at, kRunPreEndbr});
          skip(at + 1, kEndbr64.size() - 1);
        }
        break;
    }
  }

  // A site the kernel rewrites freely wins over a known-forms check at the same byte.
  RunPreImage finish() {
    for (const auto& [at, check] : special_) mark(at, 1, check, true);
    return std::move(image_);
  }

 private:
  void mark(std::int64_t at, std::size_t length, std::uint8_t check, bool only_if_equal) {
    const std::int64_t first = at - static_cast<std::int64_t>(begin_);
    const auto size = static_cast<std::int64_t>(image_.compare.size());
    for (std::int64_t i = std::max<std::int64_t>(first, 0);
         i < first + static_cast<std::int64_t>(length) && i < size; ++i) {
      auto& value = image_.compare[static_cast<std::size_t>(i)];
      if (!only_if_equal || value == kRunPreEqual) value = check;
    }
  }

  const Section& text_;
  std::uint64_t begin_;
  RunPreImage image_;
  std::vector<std::pair<std::int64_t, std::uint8_t>> special_;
};

}  // namespace

Expected<RunPreImage> run_pre_image(const elfdiff::ObjectIndex& before,
                                    const elfdiff::Symbol& function) {
  const elfdiff::ElfObject& object = before.object();
  const Section& text = object.sections[function.section];
  if (function.value + function.size > text.bytes.size()) {
    return Error(errc::kInvalidObject, function.name + " lies outside its section");
  }
  Image image(text, function);
  const std::uint64_t end = function.value + function.size;
  for (const Relocation& relocation : text.relocations) {
    if (relocation.offset < function.value || relocation.offset >= end) continue;
    const std::int64_t at = static_cast<std::int64_t>(relocation.offset);
    image.skip(at, elfdiff::relocation_width(relocation.type).value_or(8));
    const std::string& target = object.symbols[relocation.symbol].name;
    // The call instruction's opcode goes too: a NOP or a call to a trampoline replaces it.
    if (target == "__fentry__") image.skip(at - 1, 1);
    if (auto site = branch_site(text, relocation.offset, target)) image.add(*site);
  }
  // IBT kernels seal the endbr64 of functions whose address is never taken; which ones
  // only vmlinux.o's objtool run knows, so any entry endbr64 may be sealed.
  image.add(Site{function.value, SiteKind::endbr});
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
      if (point < 0) continue;
      if (auto found = table_site(*layout, &table.bytes[relocation.offset],
                                  static_cast<std::uint64_t>(point))) {
        image.add(*found);
      }
    }
  }
  return image.finish();
}

}  // namespace hotsplice::patchobj
