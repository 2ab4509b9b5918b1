// Error codes of the patch-object step (hotsplice-build patch, and kernel --name).
#pragma once

#include "kmod/elfdiff/error_codes.h"

namespace hotsplice::patchobj::errc {
// The change cannot be carried by a live patch (hotsplice-build exits 2, like the
// comparison's refusals): the message names the symbol and the reason.
inline constexpr char kPatchRefused[] = "patch_refused";
// A symbol the patch uses is not in the running kernel or target module.
inline constexpr char kSymbolNotFound[] = "symbol_not_found";
// A symbol name occurs more than once and the object's own symbols do not say which.
inline constexpr char kSymbolAmbiguous[] = "symbol_ambiguous";
// An input object breaks a rule of its own format (a table entry cut short, ...): the
// comparison's code (kmod/elfdiff), since both read the same objects.
inline constexpr const auto& kInvalidObject = elfdiff::errc::kInvalidObject;
// No <module>.ko under the kernel build's tree for the module the patch changes.
inline constexpr char kModuleNotFound[] = "module_not_found";
// A request hotsplice-build cannot carry out as given: a patch module name outside
// [A-Za-z0-9_], or a vmlinux change without --kallsyms.
inline constexpr char kInvalidArgument[] = "invalid_argument";
// libelf failed while writing the patch object or rewriting its klp relocations (the
// message names the call and libelf's error).
inline constexpr char kElfWriteFailed[] = "elf_write_failed";
// The kernel build's Module.symvers lists no exports (not a built tree).
inline constexpr char kInvalidSymvers[] = "invalid_symvers";
}  // namespace hotsplice::patchobj::errc
