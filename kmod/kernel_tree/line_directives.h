// Keeps unchanged code on its old line numbers after a patch, so that __LINE__ (WARN,
// might_sleep, error helpers, dynamic-debug descriptors, UBSAN records...) differs only
// inside the edited lines. After each changed region of a patched source file, a
// `#line N` directive numbers the following lines as they were before the patch: an
// edit above a function no longer changes the function's machine code. The same idea as
// upstream klp-build's fix-patch-lines (Linux 6.19), written for hotsplice: the mapping
// comes from `diff -U0` between the file before and after the patch.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/expected.h"

namespace hotsplice::kernel_tree {

// One changed region: `old_count` lines from `old_start` became `new_count` lines from
// `new_start` (1-based, as in a unified diff's "@@ -a,b +c,d @@"; a count of 0 means the
// region is empty and sits after that line).
struct LineHunk {
  long old_start = 0;
  long old_count = 0;
  long new_start = 0;
  long new_count = 0;
};

// The hunks of `diff -U0` output (other lines ignored). Fails with "invalid_patch" on a
// malformed hunk header.
Expected<std::vector<LineHunk>> line_hunks_of(std::string_view unified_diff);

// `patched` with `#line N` directives inserted after each hunk where the numbering of the
// following lines differs from the original. A directive is never put inside a block
// comment, after a line ending in a backslash (a macro continuation) or before a line
// that continues a string; it moves down to the next safe line with the matching number.
std::string with_line_directives(std::string_view patched, const std::vector<LineHunk>& hunks);

// Rewrites `file` (already patched) in place, given its content before the patch. The
// original is written next to `scratch` for diff(1), then removed.
Status add_line_directives(const std::filesystem::path& file, const std::string& original,
                           const std::filesystem::path& scratch);

}  // namespace hotsplice::kernel_tree
