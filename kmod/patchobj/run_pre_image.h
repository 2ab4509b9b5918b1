// What the run-pre check compares: the before build's bytes of a function, and for each
// byte what the running code may hold there (RunPreCheck).
//
// Not compared: fields written by relocations (the running kernel has final addresses
// there), the __fentry__ call (ftrace turns it into a NOP at boot, a livepatch into a
// call), and the exact instruction of each site the kernel rewrites at boot or module load
// into forms too many to list: alternatives, paravirt sites, jump labels, static calls,
// retpoline thunk calls, SMP lock prefixes.
// Compared against the known rewritten forms only: `jmp __x86_return_thunk` (kept, or
// `ret; int3...`) and an endbr64 at the function's entry (kept, or sealed by IBT).
//
// Where the sites come from: the tables the object lists (.altinstructions, .return_sites,
// ...), and, for objtool's lists, also the relocations objtool builds them from (calls
// and jumps to __x86_return_thunk, __x86_indirect_*, __SCT__*): kernels with
// CONFIG_X86_KERNEL_IBT (Debian's 6.12) run objtool on vmlinux.o, so their objects list
// none of those sites themselves.
#pragma once

#include <cstdint>

#include "core/base/expected.h"
#include "kmod/elfdiff/object_index.h"
#include "kmod/patchobj/patch_object.h"

namespace hotsplice::patchobj {

// Values of RunPreImage::compare; the trampoline reads the same numbers
// (kmod/trampoline/hotsplice_trampoline.h HOTSPLICE_RUN_PRE_*).
enum RunPreCheck : std::uint8_t {
  kRunPreSkip = 0,         // relocated field, or inside a site the kernel rewrites freely
  kRunPreEqual = 1,        // must equal the before build
  kRunPreReturnThunk = 2,  // e9 of `jmp __x86_return_thunk`: e9, or c3 cc cc cc cc
  kRunPreEndbr = 3,        // first byte of an entry endbr64: endbr64, or 66 0f 1f 00
};

Expected<RunPreImage> run_pre_image(const elfdiff::ObjectIndex& before,
                                    const elfdiff::Symbol& function);

}  // namespace hotsplice::patchobj
