// CRC-32 (IEEE 802.3, the zlib/PNG polynomial), the checksum that ends every wire frame.
// Computed by zlib's crc32 (zlib1g is in every Debian system, and guestd's static build
// already links libz.a for libelf), which is several times faster than a byte-at-a-time
// table: hostd checksums every megabyte it sends to every guest.
#pragma once

#include <cstdint>
#include <string_view>

namespace hotsplice::protocol {

// Extends a running CRC with bytes of any length; start with crc = 0.
// crc32("123456789") == 0xCBF43926, and crc32(b, crc32(a)) == crc32(a + b).
std::uint32_t crc32(std::string_view bytes, std::uint32_t crc = 0);

}  // namespace hotsplice::protocol
