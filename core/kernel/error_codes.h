// Error codes of core/kernel: readers of kernel images, modules, ELF notes and the small
// files the kernel exposes under /proc and /sys. Declared once here; call sites name the
// constant. Codes shared with every component (io_error, ...) are in core/base/error_codes.h.
#pragma once

namespace hotsplice::kernel::errc {

// A file that should be ELF is not (or is not a regular file).
inline constexpr char kNotElf[] = "not_elf";
// An ELF file whose headers or sections libelf or our checks reject.
inline constexpr char kElfInvalid[] = "elf_invalid";
// An ELF object that is not ET_REL (a kernel module must be relocatable).
inline constexpr char kNotRelocatable[] = "not_relocatable";
// No .modinfo section: not a kernel module.
inline constexpr char kModinfoMissing[] = "modinfo_missing";
// A .modinfo section whose entries are not NUL-separated key=value text.
inline constexpr char kModinfoMalformed[] = "modinfo_malformed";
// A .modinfo without the name= entry every module carries.
inline constexpr char kModuleNameMissing[] = "module_name_missing";
// A module name outside [A-Za-z0-9_]{1,55}.
inline constexpr char kInvalidName[] = "invalid_name";
// An ELF note whose header, name or descriptor runs past its section.
inline constexpr char kNotesTruncated[] = "notes_truncated";
// An ELF note whose name is not NUL-terminated.
inline constexpr char kNotesMalformed[] = "notes_malformed";
// No GNU build-id note where one is required.
inline constexpr char kBuildIdMissing[] = "build_id_missing";
// A GNU build-id of an implausible size, or two that differ.
inline constexpr char kBuildIdInvalid[] = "build_id_invalid";
// Not an x86 bzImage (no "HdrS" setup header, or a boot protocol before 2.08).
inline constexpr char kNotBzimage[] = "not_bzimage";
// A field of the bzImage points outside the file.
inline constexpr char kImageTruncated[] = "image_truncated";
// A kernel payload compressed with a method hotsplice does not decode.
inline constexpr char kUnsupportedCompression[] = "unsupported_compression";
// The decoder (XZ, zstd, gzip) rejected the data or could not start.
inline constexpr char kDecompressFailed[] = "decompress_failed";
// The data expands beyond the reader's bound (a decompression bomb is refused, not read).
inline constexpr char kDecompressedTooLarge[] = "decompressed_too_large";
// A kernel-provided value (sysfs, procfs, version string) that does not parse as expected.
inline constexpr char kInvalidValue[] = "invalid_value";
// A kernel-provided value that is empty where one is required.
inline constexpr char kEmptyValue[] = "empty_value";
// A kernel-provided value longer than its reader's bound.
inline constexpr char kValueTooLong[] = "value_too_long";

}  // namespace hotsplice::kernel::errc
