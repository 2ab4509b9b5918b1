// An edit above a function moves its source lines, and __LINE__ reaches the code as an
// immediate operand of the call that reports it (might_sleep, printk-style error helpers)
// or as a field of a __bug_table entry (WARN/BUG, masked by the special table layout).
// Such a function did not change in any way that matters to a live patch.
#pragma once

#include "kmod/elfdiff/object_index.h"

namespace hotsplice::elfdiff {

// Whether two signatures with identical relocations differ only in 32-bit immediates of
// `mov $imm, %reg` instructions whose value is an argument of the next call, and that call
// goes to a function known to take a line number.
bool differs_only_in_line_numbers(const Signature& before, const Signature& after);

}  // namespace hotsplice::elfdiff
