// The host-installed Debian kernel a test guest boots: where its image and modules are,
// which modules a set of modules needs (modules.dep), and a directly bootable copy.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/base/expected.h"

namespace hotsplice::vm {

// Where images and extracted kernels are cached:
// ${XDG_CACHE_HOME:-/var/cache}/hotsplice-test-images.
std::filesystem::path guest_image_cache_dir();

// The kernel releases the VM tests boot (the TEST_KERNELS list of scripts/setup).
std::vector<std::string> test_kernel_releases();

// The uncompressed vmlinux inside /boot/vmlinuz-<release>, extracted once into the cache.
// QEMU boots it through its PVH entry point, which skips the real-mode setup and the
// decompression of bzImage (several seconds under TCG). XZ and zstd payloads are read
// (core/kernel); others boot as the bzImage itself.
Expected<std::filesystem::path> direct_boot_kernel(const std::string& release);

struct KernelModule {
  std::string name;                 // "virtio_console"
  std::filesystem::path host_path;  // under /lib/modules/<release>/, maybe compressed
  std::string relative_path;        // as in modules.dep, without compression suffix
};

// The named modules and everything they depend on, dependencies first (insmod order).
Expected<std::vector<KernelModule>> resolve_modules(const std::string& release,
                                                    const std::vector<std::string>& names);

// A module's ELF bytes, decompressed if the file is .ko.xz, .ko.zst or .ko.gz (busybox
// insmod in the guest cannot decompress).
Expected<std::string> read_module(const KernelModule& module);

}  // namespace hotsplice::vm
