// CRC-32 (IEEE 802.3, the zlib/PNG polynomial), the checksum that ends every wire frame.
// Written here rather than taken from zlib so the protocol library has no dependency a
// minimal guest image might lack.
#pragma once

#include <cstdint>
#include <string_view>

namespace hotsplice::protocol {

// Extends a running CRC with bytes; start with crc = 0. crc32("123456789") == 0xCBF43926.
std::uint32_t crc32(std::string_view bytes, std::uint32_t crc = 0);

}  // namespace hotsplice::protocol
