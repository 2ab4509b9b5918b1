// Error codes of the hotsplice command-line tool. Declared once here; a bad command line is
// hotsplice::errc::kUsage (core/base/error_codes.h).
#pragma once

namespace hotsplice::cli::errc {

// `bundle create` was given a module that is not a livepatch module.
inline constexpr char kNotLivepatch[] = "not_livepatch";
// The module's .modinfo disagrees with what the bundle is to say about it.
inline constexpr char kModuleMismatch[] = "module_mismatch";
// An output that exists already (keys and bundles are never overwritten).
inline constexpr char kFileExists[] = "file_exists";

}  // namespace hotsplice::cli::errc
