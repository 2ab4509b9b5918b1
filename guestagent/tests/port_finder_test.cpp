// The port lookup against hand-made /dev and /sys trees.
#include <catch2/catch.hpp>

#include "guestagent/port_finder.h"
#include "tests/support/temp_dir.h"

using hotsplice::guestd::find_port_device;
using hotsplice::testing::TempDir;

TEST_CASE("hand-made tree: the udev link wins") {
  TempDir root;
  root.write("dev/virtio-ports/org.hotsplice.agent.0", "");
  CHECK(find_port_device(root.path(), "org.hotsplice.agent.0") ==
        root / "dev/virtio-ports/org.hotsplice.agent.0");
}

TEST_CASE("hand-made tree: without udev, the sysfs name file finds the device") {
  TempDir root;
  root.write("sys/class/virtio-ports/vport1p1/name", "org.hotsplice.test.0\n");
  root.write("sys/class/virtio-ports/vport1p2/name", "org.hotsplice.agent.0\n");
  root.write("dev/vport1p1", "");
  root.write("dev/vport1p2", "");
  CHECK(find_port_device(root.path(), "org.hotsplice.agent.0") == root / "dev/vport1p2");
  CHECK_FALSE(find_port_device(root.path(), "org.qemu.guest_agent.0"));
}

TEST_CASE("hand-made tree: no port yet") {
  TempDir root;
  CHECK_FALSE(find_port_device(root.path(), "org.hotsplice.agent.0"));
  root.write("sys/class/virtio-ports/vport1p2/name", "org.hotsplice.agent.0\n");
  CHECK_FALSE(find_port_device(root.path(), "org.hotsplice.agent.0"));  // no device node yet
}
