// Error codes of the diff and kernel-tree steps of hotsplice-build kernel.
#pragma once

namespace hotsplice::kernel_tree::errc {
// The diff changes something whose objects cannot be listed (a header, a new or deleted
// file, a file that is not a C or assembly source): a refusal, hotsplice-build exits 2.
inline constexpr char kUnsupportedPatch[] = "unsupported_patch";
// Not a usable unified diff (no file headers, paths outside the tree, mixed -p levels).
// (Also: diff -U0's output has a hunk header that does not parse, line_directives.cpp.)
inline constexpr char kInvalidPatch[] = "invalid_patch";
// kbuild's .<object>.cmd record does not hold the compile command as kbuild writes it (no
// cmd_/savedcmd_ line, no or a malformed KBUILD_MODNAME in a module's command).
inline constexpr char kInvalidBuildRecord[] = "invalid_build_record";
// The kernel source tarball is empty or does not unpack to one top-level directory.
inline constexpr char kInvalidSource[] = "invalid_source";
// An object was compiled with other flags after the patch than before: the comparison
// would show compiler differences as changes, so the build stops.
inline constexpr char kBuildMismatch[] = "build_mismatch";
}  // namespace hotsplice::kernel_tree::errc
