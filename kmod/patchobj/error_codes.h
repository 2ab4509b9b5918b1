// Error codes of the patch object builder (kmod/patchobj), declared once.
#pragma once

namespace hotsplice::patchobj::errc {
// A change that a live patch cannot carry; the message names the symbol and why.
inline constexpr char kPatchRefused[] = "patch_refused";
}  // namespace hotsplice::patchobj::errc
