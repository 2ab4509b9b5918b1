// Proves a channel carries bytes both ways to the guest it belongs to: a helper in the guest
// (guest/echo-port.sh) answers every line on a virtio port with "<tag>:<line>", and the
// host sends a line through the channel's socket and reads the answer.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/base/expected.h"
#include "tests/vm/harness/deadline.h"
#include "tests/vm/harness/guest_shell.h"

namespace hotsplice::vm {

// Starts echo-port.sh on `port` in the background, tagging answers with `tag`. Creates the
// /dev/virtio-ports/<port> link first (waiting for the port to appear, for hot-plugged
// ports: the guest has no udev).
Status start_echo_port(GuestShell& shell, std::string_view port, std::string_view tag);

// Sends `line` through the socket at `path` until an answer comes back (the guest drops
// bytes that arrive before its helper opened the port) and returns the answer.
Expected<std::string> echo_exchange(const std::filesystem::path& path, const std::string& line,
                                    const Deadline& deadline);

}  // namespace hotsplice::vm
