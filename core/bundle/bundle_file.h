// The on-disk and on-the-wire container of a bundle: one file holding the manifest, the
// detached signature over the manifest's exact bytes, and the kernel module.
//
//   offset  size  field
//        0     8  magic "HSBUNDLE"
//        8     4  container format version, little-endian (1)
//       12     4  manifest length
//       16     4  signature length
//       20     8  module length
//       28     -  manifest bytes, signature bytes, module bytes; nothing after them
//
// One file keeps a transfer to one sha256 and one atomic rename; the fixed header lets a
// reader bound every allocation before it reads a byte of content.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/base/expected.h"

namespace hotsplice {

inline constexpr std::uint32_t kBundleFormatVersion = 1;
inline constexpr std::size_t kBundleHeaderSize = 28;
inline constexpr std::size_t kMaxSignatureBytes = 4096;
inline constexpr std::string_view kBundleFileExtension = ".hsb";

struct BundleParts {
  std::string manifest;
  std::string signature;
  std::string module;
};

std::string encode_bundle(const BundleParts& parts);

// Fails with "bundle_truncated", "bad_magic", "unsupported_format", "bundle_too_large" or
// "trailing_bytes", each naming the offending length.
Expected<BundleParts> decode_bundle(std::string_view bytes);

// Largest container decode_bundle accepts: header plus the maximum of each part.
std::uint64_t max_bundle_bytes();

Expected<BundleParts> read_bundle_file(const std::filesystem::path& path);
// Writes atomically (temporary file, fsync, rename): a crash never leaves half a bundle.
Status write_bundle_file(const std::filesystem::path& path, const BundleParts& parts);

}  // namespace hotsplice
