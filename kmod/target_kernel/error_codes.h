// Error codes of kmod/target_kernel (what hotsplice-build learns about a target kernel),
// declared once.
#pragma once

namespace hotsplice::target_kernel::errc {
// No consistent set of kallsyms tables in the decompressed kernel image.
inline constexpr char kKallsymsNotFound[] = "kallsyms_not_found";
// The archive (apt's package lists, dpkg's database) does not know the release's image.
inline constexpr char kUnknownRelease[] = "unknown_release";
// A package's fields are not what Debian writes (no Version, no Built-Using, ...).
inline constexpr char kInvalidPackage[] = "invalid_package";
// No .BTF section in the image, or libbpf could not parse it.
inline constexpr char kNoBtf[] = "no_btf";
}  // namespace hotsplice::target_kernel::errc
