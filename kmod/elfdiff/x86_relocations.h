// What hotsplice needs to know about x86-64 relocation types: how many bytes of the
// section each one overwrites (those bytes are masked before code is compared) and whether
// it is PC-relative (its addend is then biased by the distance to the end of the field).
#pragma once

#include <cstdint>
#include <optional>

namespace hotsplice::elfdiff {

// Bytes written by the relocation, or nullopt for a type hotsplice does not understand.
std::optional<std::uint32_t> relocation_width(std::uint32_t type);

bool is_pc_relative(std::uint32_t type);

}  // namespace hotsplice::elfdiff
