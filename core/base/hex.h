// Lower-case hexadecimal encoding, used for digests, build-ids and key ids.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/expected.h"

namespace hotsplice {

std::string to_hex(std::span<const std::uint8_t> bytes);
std::string to_hex(std::string_view bytes);

// Decodes hex (either case); fails with "invalid_hex" naming the first bad character.
Expected<std::vector<std::uint8_t>> from_hex(std::string_view text);

// Whether text is exactly `length` lower-case hex digits.
bool is_lower_hex(std::string_view text, std::size_t length);

}  // namespace hotsplice
