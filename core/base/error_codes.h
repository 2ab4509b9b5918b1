// Error codes of the base layer (files, JSON, hex, subprocesses, the argument parser), shared
// by every component: a component that fails for one of these reasons returns the same code.
// Declared once here; call sites name the constant, never the string.
#pragma once

namespace hotsplice::errc {

// A read, write, rename, fsync or directory operation failed; the message carries strerror.
inline constexpr char kIoError[] = "io_error";
// A file is larger than the bound its reader allows (the limit is in the message).
inline constexpr char kFileTooLarge[] = "file_too_large";
// A program run by hotsplice exited non-zero or died; the message ends with its output.
inline constexpr char kCommandFailed[] = "command_failed";
// Text that is not JSON, nested too deep, or with a key given twice.
inline constexpr char kInvalidJson[] = "invalid_json";
// A JSON field (or outside text) of the wrong type, length or encoding; the path names it.
inline constexpr char kInvalidField[] = "invalid_field";
// A JSON object holds a field its schema does not know (never ignored silently).
inline constexpr char kUnknownField[] = "unknown_field";
// A JSON object lacks a field its schema requires.
inline constexpr char kMissingField[] = "missing_field";
// A hex string of odd length or with a character outside [0-9a-fA-F].
inline constexpr char kInvalidHex[] = "invalid_hex";
// A command line the tool does not accept: unknown option, missing value, extra argument.
inline constexpr char kUsage[] = "usage";

}  // namespace hotsplice::errc
