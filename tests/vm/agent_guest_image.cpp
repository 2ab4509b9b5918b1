#include "tests/vm/agent_guest_image.h"

namespace hotsplice::vm {

Expected<GuestImage> build_agent_guest_image(
    const std::string& release, const std::filesystem::path& public_key,
    const std::map<std::filesystem::path, std::string>& extra_files) {
  GuestImageSpec spec(release);
  spec.extra_files = extra_files;
  // ext4 (which mounts ext2) asks the crypto API for crc32c at mount time; without modprobe
  // in the image the driver must already be loaded.
  spec.modules = {"virtio_pci", "virtio_console", "virtio_blk", "crc32c_generic", "ext4"};
  spec.extra_files[HOTSPLICE_GUESTD_BINARY] = "/usr/sbin/hotsplice-guestd";
  spec.extra_files[HOTSPLICE_GUESTD_INITD] = "/etc/hotsplice/init.d/hotsplice-guestd";
  spec.extra_files[public_key] = "/etc/hotsplice/keys.d/test.pub";
  return build_guest_image(spec);
}

}  // namespace hotsplice::vm
