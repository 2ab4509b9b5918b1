#include "core/protocol/crc32.h"

#include <array>

namespace hotsplice::protocol {
namespace {

constexpr std::uint32_t kReflectedPolynomial = 0xEDB88320u;

// One entry per byte value: the CRC of that byte alone, so the loop below handles a byte
// per step instead of a bit.
constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t value = 0; value < 256; ++value) {
    std::uint32_t crc = value;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 1u) ? (crc >> 1) ^ kReflectedPolynomial : crc >> 1;
    }
    table[value] = crc;
  }
  return table;
}

constexpr std::array<std::uint32_t, 256> kTable = make_table();

}  // namespace

std::uint32_t crc32(std::string_view bytes, std::uint32_t crc) {
  crc = ~crc;
  for (char c : bytes) {
    crc = kTable[(crc ^ static_cast<std::uint8_t>(c)) & 0xFFu] ^ (crc >> 8);
  }
  return ~crc;
}

}  // namespace hotsplice::protocol
