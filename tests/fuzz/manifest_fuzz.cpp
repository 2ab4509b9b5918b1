// libFuzzer target: the manifest parser and the bundle container decoder on arbitrary bytes.
// Anything may be refused; nothing may crash, hang or allocate without bound. A manifest
// that parses must serialise and parse back to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/bundle/bundle_file.h"
#include "core/bundle/bundle_signature.h"
#include "core/bundle/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto manifest = hotsplice::parse_manifest(bytes);
  if (manifest) {
    auto text = hotsplice::serialize_manifest(*manifest);
    if (!text) std::abort();
    auto reread = hotsplice::parse_manifest(*text);
    if (!reread || !(*reread == *manifest)) std::abort();
  }
  (void)hotsplice::parse_signature(bytes);
  auto parts = hotsplice::decode_bundle(bytes);
  if (parts) (void)hotsplice::parse_manifest(parts->manifest);
  return 0;
}
