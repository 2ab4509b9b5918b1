// Error codes of the object comparison (kmod/elfdiff), declared once.
#pragma once

namespace hotsplice::elfdiff::errc {
// `objects --explain FUNC` named a function that neither build has.
inline constexpr char kUnknownFunction[] = "unknown_function";
// An object holds a special table (.altinstructions, __jump_table, ...) whose entry layout
// the target kernel does not give (not in its BTF): refused, since compared as plain data a
// changed entry would go unseen.
inline constexpr char kUnknownTableLayout[] = "unknown_table_layout";
// An object file that libelf or our checks reject (a header, section or table that breaks
// its format's rules): hotsplice-build exits 1 naming the file and what was wrong.
inline constexpr char kInvalidObject[] = "invalid_object";
}  // namespace hotsplice::elfdiff::errc
