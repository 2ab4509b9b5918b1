// Error codes of the patch-object step (hotsplice-build patch, and kernel --name).
#pragma once

namespace hotsplice::patchobj::errc {
// The change cannot be carried by a live patch (hotsplice-build exits 2, like the
// comparison's refusals): the message names the symbol and the reason.
inline constexpr char kPatchRefused[] = "patch_refused";
// A symbol the patch uses is not in the running kernel or target module.
inline constexpr char kSymbolNotFound[] = "symbol_not_found";
// A symbol name occurs more than once and the object's own symbols do not say which.
inline constexpr char kSymbolAmbiguous[] = "symbol_ambiguous";
// An input object breaks a rule of its own format (a table entry cut short, ...).
inline constexpr char kInvalidObject[] = "invalid_object";
}  // namespace hotsplice::patchobj::errc
