// The Kbuild tree a patch module is built against (`make -C <tree> M=...`) for one Debian
// kernel release: /lib/modules/<release>/build when that release's headers are installed,
// else the headers downloaded into the cache. Debian splits them in three packages of the
// same version: linux-headers-<release> (config, Module.symvers), the linux-headers-*-common
// it depends on (the kernel's headers and top Makefile) and linux-kbuild-* (scripts, host
// tools). Extracted together under <cache>/kernels/<release>_<version>/headers/, their
// relative links to each other hold; the one absolute path in them, the flavour Makefile's
// `include /usr/src/linux-headers-*-common/Makefile`, is pointed into the cache.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/base/expected.h"
#include "kmod/target_kernel/debian_packages.h"

namespace hotsplice::target_kernel {

// The tree's path. Downloads made are appended to `downloads` ("apt-get download P=V (N
// MB)"); commands go to `log`. Fails naming the package when apt cannot fetch one or the
// packages are not laid out as Debian lays them out; nothing is left in the cache then.
Expected<std::filesystem::path> kernel_build_tree(const KernelPackages& packages,
                                                  const std::filesystem::path& cache_root,
                                                  const std::filesystem::path& log,
                                                  std::vector<std::string>& downloads);

// The downloaded tree only (cached after the first call), whether or not the release's
// headers are installed.
Expected<std::filesystem::path> downloaded_kernel_build_tree(
    const KernelPackages& packages, const std::filesystem::path& cache_root,
    const std::filesystem::path& log, std::vector<std::string>& downloads);

// The kernel packages a headers package's Depends field names (linux-headers-*,
// linux-kbuild-*), without version constraints: "linux-headers-6.1.0-56-common (=
// 6.1.192-2), linux-kbuild-6.1 (>= 6.1.192-2), gcc-12" -> {linux-headers-6.1.0-56-common,
// linux-kbuild-6.1}.
std::vector<std::string> header_dependencies(const std::string& depends);

}  // namespace hotsplice::target_kernel
