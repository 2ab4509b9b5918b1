// Finding the virtio-serial port the host talks to: /dev/virtio-ports/<name> when udev made
// the link, else the /sys/class/virtio-ports/vportNpM whose `name` file matches, opened as
// /dev/vportNpM. root stands for "/" so tests can use a hand-made tree.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

#include "core/base/expected.h"

namespace hotsplice::guestd {

inline constexpr std::string_view kDefaultPortName = "org.hotsplice.agent.0";

// The device path of the named port, or nullopt when no such port exists (yet).
std::optional<std::filesystem::path> find_port_device(const std::filesystem::path& root,
                                                      std::string_view port_name);

// Opens a port (or any character device or socket path standing in for one) read-write and
// non-blocking, close-on-exec. Returns the fd.
Expected<int> open_port(const std::filesystem::path& device);

}  // namespace hotsplice::guestd
