// An edit above a function moves its source lines, and __LINE__ reaches the code as an
// immediate argument of the call that reports it (might_sleep, error helpers such as
// ext4_error or btrfs_abort_transaction) or as a field of a __bug_table entry (WARN/BUG,
// masked by the special table layout). Such a function did not change in any way that
// matters to a live patch. hotsplice-build first removes most of these differences at the
// source (line_directives in kernel_tree keeps unchanged code on its old line numbers);
// this check decides what remains, from decoded instructions only.
#pragma once

#include <optional>
#include <string_view>

#include "kmod/elfdiff/object_index.h"

namespace hotsplice::elfdiff {

// The 0-based argument position of the line number for a kernel function known to take
// __LINE__ as a fixed argument; nullopt for any other function (printk-style functions
// with the line among variadic arguments are not known: their position is unknowable).
std::optional<int> line_argument_of(std::string_view function);

// Whether two signatures with identical relocations differ only in immediates of decoded
// `mov $imm, %reg` instructions where reg is the line-number argument register of a
// known line-taking function, called later in the same basic block (no jump, return,
// other call or branch target in between, and nothing else writes that register).
bool differs_only_in_line_numbers(const Signature& before, const Signature& after);

}  // namespace hotsplice::elfdiff
