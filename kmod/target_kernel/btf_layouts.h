// The entry layouts of the kernel's special tables (__bug_table, __ex_table, __jump_table,
// .altinstructions, .parainstructions, .static_call_sites) read from the target kernel's
// own type information: the .BTF section of its decompressed vmlinux (Debian builds with
// CONFIG_DEBUG_INFO_BTF), parsed by libbpf. Entry sizes and field offsets change between
// kernel series (struct alt_instr is 12 bytes in 6.1 and 14 in 6.12, struct
// paravirt_patch_site is gone in 6.12), so constants for one series would misread another.
// objtool's site lists (.retpoline_sites, .return_sites, .call_sites, .ibt_endbr_seal,
// .smp_locks) are arrays of 32-bit PC-relative offsets by their format, in every series.
#pragma once

#include <string_view>

#include "core/base/expected.h"
#include "kmod/elfdiff/section_kinds.h"

namespace hotsplice::target_kernel {

// A table whose struct the BTF lacks lands in TableLayouts::unknown with the reason.
// Fails with "no_btf" when the image has no .BTF section or libbpf cannot parse it.
Expected<elfdiff::TableLayouts> layouts_from_btf(std::string_view vmlinux);

// One line per table: "__jump_table: 16-byte struct jump_entry, key at 8", for the output.
std::string describe_layouts(const elfdiff::TableLayouts& layouts);

}  // namespace hotsplice::target_kernel
