// Every error code the repository component produces, declared once. Operators and hostd
// match on these strings (logs, the control socket, the state database), so they never
// change meaning; call sites use the constants, never a literal.
#pragma once

namespace hotsplice::repository::errc {

// The signed index.
inline constexpr char kIndexMalformed[] = "index_malformed";  // not a schema-1 index
inline constexpr char kIndexUnsupportedSchema[] = "index_unsupported_schema";
inline constexpr char kIndexSignatureMalformed[] = "index_signature_malformed";
inline constexpr char kIndexUnknownKey[] = "index_unknown_key";        // signer not trusted
inline constexpr char kIndexBadSignature[] = "index_bad_signature";    // bytes altered
inline constexpr char kIndexReplayed[] = "index_replayed";             // version below accepted
inline constexpr char kIndexVersionReused[] = "index_version_reused";  // same version, new bytes
inline constexpr char kIndexExpired[] = "index_expired";
inline constexpr char kIndexFromFuture[] = "index_from_future";  // generated after now + skew

// The cache directory and its persisted state.
inline constexpr char kCacheStateCorrupt[] = "cache_state_corrupt";

// A bundle the index lists (each one quarantined, never offered).
inline constexpr char kBundleSizeMismatch[] = "bundle_size_mismatch";
inline constexpr char kBundleSha256Mismatch[] = "bundle_sha256_mismatch";
inline constexpr char kBundleEntryMismatch[] = "bundle_entry_mismatch";  // id/target/cves differ
inline constexpr char kBundleQuarantined[] = "bundle_quarantined";

// Fetching from a source.
inline constexpr char kNotFound[] = "repository_not_found";         // no such file / HTTP 404
inline constexpr char kHttpStatus[] = "repository_http_status";     // any other non-2xx status
inline constexpr char kDownloadTooLarge[] = "download_too_large";   // over the byte cap
inline constexpr char kDownloadTruncated[] = "download_truncated";  // body shorter than announced
inline constexpr char kDownloadTimeout[] = "download_timeout";      // total time or low speed
inline constexpr char kFetchFailed[] = "fetch_failed";              // DNS, connect, TLS, proxy, ...
inline constexpr char kInvalidUrl[] = "invalid_url";
inline constexpr char kInvalidName[] = "invalid_name";  // a file name that could leave the repo

// Maintaining a repository directory (hotsplice repo add|index).
inline constexpr char kDuplicateBundle[] = "duplicate_bundle";  // two files, one bundle id

}  // namespace hotsplice::repository::errc
