// Error codes of the diff and kernel-tree steps of hotsplice-build kernel.
#pragma once

namespace hotsplice::kernel_tree::errc {
// The diff changes something whose objects cannot be listed (a header, a new or deleted
// file, a file that is not a C or assembly source): a refusal, hotsplice-build exits 2.
inline constexpr char kUnsupportedPatch[] = "unsupported_patch";
// Not a usable unified diff (no file headers, paths outside the tree, mixed -p levels).
inline constexpr char kInvalidPatch[] = "invalid_patch";
}  // namespace hotsplice::kernel_tree::errc
