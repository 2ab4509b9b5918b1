#include "core/bundle/bundle_file.h"

#include <cstring>

#include "core/base/file_io.h"
#include "core/bundle/error_codes.h"
#include "core/bundle/manifest.h"

namespace hotsplice {
namespace {

constexpr std::string_view kMagic = "HSBUNDLE";

template <typename Integer>
void append_little_endian(std::string& out, Integer value) {
  for (std::size_t i = 0; i < sizeof(Integer); ++i) {
    out.push_back(static_cast<char>((static_cast<std::uint64_t>(value) >> (8 * i)) & 0xff));
  }
}

template <typename Integer>
Integer read_little_endian(std::string_view bytes, std::size_t offset) {
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < sizeof(Integer); ++i) {
    value |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[offset + i])) << (8 * i);
  }
  return static_cast<Integer>(value);
}

Error too_large(std::string_view part, std::uint64_t length, std::uint64_t limit) {
  return Error(bundle::errc::kBundleTooLarge,
               std::string(part) + " length " + std::to_string(length) + " exceeds the limit of " +
                   std::to_string(limit) + " bytes");
}

}  // namespace

std::string encode_bundle(const BundleParts& parts) {
  std::string out;
  out.reserve(kBundleHeaderSize + parts.manifest.size() + parts.signature.size() +
              parts.module.size());
  out.append(kMagic);
  append_little_endian<std::uint32_t>(out, kBundleFormatVersion);
  append_little_endian<std::uint32_t>(out, static_cast<std::uint32_t>(parts.manifest.size()));
  append_little_endian<std::uint32_t>(out, static_cast<std::uint32_t>(parts.signature.size()));
  append_little_endian<std::uint64_t>(out, parts.module.size());
  out.append(parts.manifest).append(parts.signature).append(parts.module);
  return out;
}

std::uint64_t max_bundle_bytes() {
  return kBundleHeaderSize + kMaxManifestBytes + kMaxSignatureBytes + kMaxModuleBytes;
}

Expected<BundleParts> decode_bundle(std::string_view bytes) {
  if (bytes.size() < kBundleHeaderSize) {
    return Error(bundle::errc::kBundleTruncated,
                 "bundle is " + std::to_string(bytes.size()) + " bytes, shorter than its " +
                     std::to_string(kBundleHeaderSize) + "-byte header");
  }
  if (bytes.substr(0, kMagic.size()) != kMagic) {
    return Error(bundle::errc::kBadMagic,
                 "not a hotsplice bundle (the file does not start with HSBUNDLE)");
  }
  auto version = read_little_endian<std::uint32_t>(bytes, 8);
  if (version != kBundleFormatVersion) {
    return Error(bundle::errc::kUnsupportedFormat,
                 "bundle container version " + std::to_string(version) +
                     " is not supported (expected " + std::to_string(kBundleFormatVersion) + ")");
  }
  auto manifest_length = read_little_endian<std::uint32_t>(bytes, 12);
  auto signature_length = read_little_endian<std::uint32_t>(bytes, 16);
  auto module_length = read_little_endian<std::uint64_t>(bytes, 20);
  if (manifest_length > kMaxManifestBytes) {
    return too_large("manifest", manifest_length, kMaxManifestBytes);
  }
  if (signature_length > kMaxSignatureBytes) {
    return too_large("signature", signature_length, kMaxSignatureBytes);
  }
  if (module_length > kMaxModuleBytes) return too_large("module", module_length, kMaxModuleBytes);
  // The three limits keep this sum far below 2^64.
  std::uint64_t expected = kBundleHeaderSize + manifest_length + signature_length + module_length;
  if (bytes.size() < expected) {
    return Error(bundle::errc::kBundleTruncated, "bundle is " + std::to_string(bytes.size()) +
                                                     " bytes but its header announces " +
                                                     std::to_string(expected));
  }
  if (bytes.size() > expected) {
    return Error(
        bundle::errc::kTrailingBytes,
        "bundle has " + std::to_string(bytes.size() - expected) + " bytes after its module");
  }
  BundleParts parts;
  std::size_t offset = kBundleHeaderSize;
  parts.manifest = bytes.substr(offset, manifest_length);
  offset += manifest_length;
  parts.signature = bytes.substr(offset, signature_length);
  offset += signature_length;
  parts.module = bytes.substr(offset, module_length);
  return parts;
}

Expected<BundleParts> read_bundle_file(const std::filesystem::path& path) {
  auto bytes = read_file(path, max_bundle_bytes());
  if (!bytes) return bytes.error();
  auto parts = decode_bundle(*bytes);
  if (!parts) return parts.error().with_context(path.string());
  return parts;
}

Status write_bundle_file(const std::filesystem::path& path, const BundleParts& parts) {
  return write_file_atomically(path, encode_bundle(parts), 0644);
}

}  // namespace hotsplice
