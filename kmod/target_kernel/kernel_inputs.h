// Everything hotsplice-build needs to build a live patch for one Debian kernel release,
// found from the release name alone and cached under <cache>/ (default /var/cache/hotsplice,
// or $HOTSPLICE_CACHE):
//   - the image package's version and the source build that made it (debian_packages);
//   - the image and its config: /boot when dpkg has exactly that image installed, else the
//     image package downloaded with `apt-get download` and its ./boot extracted into
//     <cache>/kernels/<release>_<version>/;
//   - the exact source: linux-source-<major.minor> at the image's source version, downloaded
//     once into <cache>/sources/<package>_<version>.tar.xz;
//   - symbol positions (a /proc/kallsyms-format file): `given_kallsyms` (--kallsyms: a
//     guest's /proc/kallsyms) when set, else the kallsyms tables decoded from the image
//     (kallsyms_tables), else the symbol table of the -dbg package's vmlinux (downloaded,
//     ~860 MB, only when the tables cannot be decoded; only the symbol list is kept).
//     symbols_origin says which one was used.
// Every file is written under a temporary name and renamed into place when complete.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/base/expected.h"
#include "kmod/target_kernel/debian_packages.h"

namespace hotsplice::target_kernel {

struct KernelInputs {
  KernelPackages packages;
  std::filesystem::path image;     // vmlinuz
  std::filesystem::path config;    // config-<release>
  std::filesystem::path source;    // linux-source-*.tar.xz of exactly that build
  std::filesystem::path kallsyms;  // /proc/kallsyms-format text for vmlinux
  std::string symbols_origin;      // "kallsyms tables decoded from ... (N symbols)"
  std::filesystem::path vmlinux;   // the decompressed image (BTF), in the cache
  // "apt-get download linux-source-6.1=6.1.192-2 (139.3 MB)" for each download made.
  std::vector<std::string> downloads;
};

// The cache root: $HOTSPLICE_CACHE, else /var/cache/hotsplice.
std::filesystem::path default_cache_root();

// Progress and the commands run go to `log`. `given_kallsyms` (may be empty) is used as is
// and is not read here.
Expected<KernelInputs> prepare_kernel_inputs(const std::string& release,
                                             const std::filesystem::path& cache_root,
                                             const std::filesystem::path& log,
                                             const std::filesystem::path& given_kallsyms = {});

// The fallback for symbol positions: downloads <image package>-dbg at the image's version
// (apt-get download, ~860 MB), writes its vmlinux's symbol table in /proc/kallsyms format
// (`nm -n`: address order, as the kernel lists them) to `kallsyms`, and removes the package
// and the vmlinux again. Returns where the symbols came from, for the build output.
Expected<std::string> symbols_from_dbg_package(const KernelPackages& packages,
                                               const std::filesystem::path& kallsyms,
                                               const std::filesystem::path& log,
                                               std::vector<std::string>& downloads);

}  // namespace hotsplice::target_kernel
