// Builds the initramfs a test guest boots: busybox, the virtio modules of the chosen
// kernel, the init script and test shell from tests/vm/guest/, and any extra files a test
// asks for (the guest agent, test modules, scripts). Images are cached by content.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/base/expected.h"

namespace hotsplice::vm {

struct GuestImageSpec {
  explicit GuestImageSpec(std::string release) : kernel_release(std::move(release)) {}

  std::string kernel_release;
  // Loaded by /init at boot, with their dependencies, in dependency order.
  std::vector<std::string> modules{"virtio_pci", "virtio_console"};
  // Host file -> absolute path in the guest. Executable host files stay executable.
  // An executable dropped into /etc/hotsplice/init.d/ is started at boot.
  std::map<std::filesystem::path, std::string> extra_files;
};

struct GuestImage {
  std::string kernel_release;
  std::filesystem::path kernel;     // what QEMU boots (see direct_boot_kernel)
  std::filesystem::path initramfs;  // <cache>/<sha256 of the archive>.cpio
};

// Builds the archive in memory (a few MiB: cheap) and stores it under the SHA-256 of its
// bytes, so identical inputs share one file and any change of any input gives a new one.
// Safe to call from several processes at once.
Expected<GuestImage> build_guest_image(const GuestImageSpec& spec);

// Adds to spec every shared library `ldd program` resolves for a dynamically linked host
// program: the loader at its own path (the program's PT_INTERP), the rest under
// library_dir by the name the program asks for (run the program in the guest with
// LD_LIBRARY_PATH=library_dir). Fails when ldd fails (e.g. no such program).
Status add_shared_libraries(const std::filesystem::path& program, const std::string& library_dir,
                            GuestImageSpec& spec);

}  // namespace hotsplice::vm
