// Error codes of the object comparison (kmod/elfdiff), declared once.
#pragma once

namespace hotsplice::elfdiff::errc {
// `objects --explain FUNC` named a function that neither build has.
inline constexpr char kUnknownFunction[] = "unknown_function";
}  // namespace hotsplice::elfdiff::errc
