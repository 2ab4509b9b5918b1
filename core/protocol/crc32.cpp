#include "core/protocol/crc32.h"

#include <zlib.h>

namespace hotsplice::protocol {

std::uint32_t crc32(std::string_view bytes, std::uint32_t crc) {
  // zlib answers a null buffer with the initial CRC (0), not with crc unchanged; an empty
  // string_view may have a null data().
  if (bytes.empty()) return crc;
  // crc32_z takes a size_t length (zlib >= 1.2.9), so no 4 GiB split is needed.
  return static_cast<std::uint32_t>(
      ::crc32_z(crc, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()));
}

}  // namespace hotsplice::protocol
