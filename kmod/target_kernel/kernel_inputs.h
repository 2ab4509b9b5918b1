// Everything hotsplice-build needs to build a live patch for one Debian kernel release,
// found from the release name alone and cached under <cache>/ (default /var/cache/hotsplice,
// or $HOTSPLICE_CACHE):
//   - the image package's version and the source build that made it (debian_packages);
//   - the image and its config: /boot when dpkg has exactly that image installed, else the
//     image package downloaded with `apt-get download` and its ./boot extracted into
//     <cache>/kernels/<release>_<version>/;
//   - the exact source: linux-source-<major.minor> at the image's source version, downloaded
//     once into <cache>/sources/<package>_<version>.tar.xz;
//   - symbol positions (a /proc/kallsyms-format file): the kallsyms tables decoded from the
//     image (kallsyms_tables), else the image package's System.map; `--kallsyms FILE` (a
//     guest's /proc/kallsyms) overrides both. Where they came from is reported.
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

// Progress and the commands run go to `log`.
Expected<KernelInputs> prepare_kernel_inputs(const std::string& release,
                                             const std::filesystem::path& cache_root,
                                             const std::filesystem::path& log);

}  // namespace hotsplice::target_kernel
