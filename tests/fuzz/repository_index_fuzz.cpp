// libFuzzer target: the repository index parser and the cache's state reader on arbitrary
// bytes. Anything may be refused; nothing may crash, hang or allocate without bound. An
// index that parses must serialise and parse back to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/bundle/trusted_keys.h"
#include "core/repository/repository_index.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto index = hotsplice::repository::parse_index(bytes);
  if (index) {
    auto text = hotsplice::repository::serialize_index(*index);
    if (!text) std::abort();
    auto reread = hotsplice::repository::parse_index(*text);
    if (!reread || !(*reread == *index)) std::abort();
  }
  // The signature path: the same bytes as index.sig (no key is trusted, so every input is
  // refused, but only after the document was parsed).
  static const hotsplice::TrustedKeys no_keys;
  (void)hotsplice::repository::verify_index(bytes, bytes, no_keys);
  return 0;
}
