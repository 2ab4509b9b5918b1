// What the run-pre check compares: the before build's bytes of a function, and a mask of
// the bytes that must equal the running code. Masked out (not compared): fields written by
// relocations (the running kernel has final addresses there), the __fentry__ call (ftrace
// turns it into a NOP at boot, a livepatch into a call), and every site the kernel rewrites
// at boot or module load: alternatives, paravirt sites, jump labels, static calls,
// retpoline and return-thunk sites, SMP lock prefixes.
#pragma once

#include "core/base/expected.h"
#include "kmod/elfdiff/object_index.h"
#include "kmod/patchobj/patch_object.h"

namespace hotsplice::patchobj {

Expected<RunPreImage> run_pre_image(const elfdiff::ObjectIndex& before,
                                    const elfdiff::Symbol& function);

}  // namespace hotsplice::patchobj
