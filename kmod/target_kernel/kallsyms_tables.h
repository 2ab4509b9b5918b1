// The symbol table a Linux kernel carries for /proc/kallsyms, read from the decompressed
// vmlinux of its image file, without booting it and without the -dbg package. The tables
// scripts/kallsyms.c emits into .rodata (kallsyms_num_syms, kallsyms_names,
// kallsyms_markers, kallsyms_token_table, kallsyms_token_index, kallsyms_offsets,
// kallsyms_relative_base) have no symbols of their own in a stripped image: they are found
// by their shape, as vmlinux-to-elf finds them, and every candidate is checked against all
// the others (markers against decoded names, token index against the token table, offsets
// sorted) before it is believed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/expected.h"

namespace hotsplice::target_kernel {

struct KallsymsEntry {
  std::uint64_t address = 0;
  char type = '?';  // nm-style: 'T' global text, 't' local text, 'D', 'b', ...
  std::string name;
};

struct KallsymsLayout {
  // CONFIG_KALLSYMS_ABSOLUTE_PERCPU: non-negative offsets are absolute values (per-CPU
  // symbols), negative ones count down from kallsyms_relative_base. Otherwise every offset
  // is an unsigned distance from the base.
  bool absolute_percpu = true;
};

// The symbols in kallsyms order (the order /proc/kallsyms lists vmlinux, which is the order
// the livepatch core counts `sympos` in). `vmlinux` is the ELF file decompressed from a
// bzImage; the tables are searched in its .rodata section. Fails with
// "kallsyms_not_found" (no token table, or no consistent set of tables around it),
// naming what did not fit.
Expected<std::vector<KallsymsEntry>> read_kallsyms_tables(std::string_view vmlinux,
                                                          const KallsymsLayout& layout);

// "ffffffff81000000 T _text\n" lines, as /proc/kallsyms prints them for vmlinux.
std::string kallsyms_text(const std::vector<KallsymsEntry>& entries);

}  // namespace hotsplice::target_kernel
