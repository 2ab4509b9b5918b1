// Error codes of core/bundle: reading, verifying and writing signed .hsb bundles. Declared
// once here; call sites name the constant. Codes shared with every component (io_error,
// invalid_field) are in core/base/error_codes.h.
#pragma once

namespace hotsplice::bundle::errc {

// The file does not start with the bundle magic.
inline constexpr char kBadMagic[] = "bad_magic";
// A format version this build does not read.
inline constexpr char kUnsupportedFormat[] = "unsupported_format";
// A manifest schema version this build does not read.
inline constexpr char kUnsupportedSchema[] = "unsupported_schema";
// The file ends before a section its header announces.
inline constexpr char kBundleTruncated[] = "bundle_truncated";
// Bytes after the last section.
inline constexpr char kTrailingBytes[] = "trailing_bytes";
// Larger than the reader's bound.
inline constexpr char kBundleTooLarge[] = "bundle_too_large";
// A file name in the manifest that could escape its directory ("..", "/", control bytes).
inline constexpr char kUnsafeName[] = "unsafe_name";
// The module's size or SHA-256 differs from what the signed manifest says.
inline constexpr char kModuleSizeMismatch[] = "module_size_mismatch";
inline constexpr char kModuleSha256Mismatch[] = "module_sha256_mismatch";
// The bundle was built for another kernel than the one it is checked against.
inline constexpr char kWrongKernel[] = "wrong_kernel";
// No signature, an unreadable one, one by a key not trusted, or one that does not verify.
inline constexpr char kSignatureMissing[] = "signature_missing";
inline constexpr char kSignatureMalformed[] = "signature_malformed";
inline constexpr char kUnknownKey[] = "unknown_key";
inline constexpr char kBadSignature[] = "bad_signature";
// A trusted-keys directory holding more keys than its reader's bound.
inline constexpr char kTooManyKeys[] = "too_many_keys";

}  // namespace hotsplice::bundle::errc
