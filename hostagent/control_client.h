// The client side of hostd's control socket, for the hotsplice CLI: connect, send one
// request, read one response, with a timeout on each step.
#pragma once

#include <chrono>
#include <filesystem>

#include "core/base/expected.h"
#include "hostagent/control_protocol.h"

namespace hotsplice::hostd {

// Sends request to the hostd listening at socket_path and returns its result. Fails with
// hostd_not_running when nothing listens there (no socket file, or connection refused),
// control_io on a permission problem or a timeout, and with hostd's own error otherwise.
Expected<Json> call_hostd(const std::filesystem::path& socket_path, const ControlRequest& request,
                          std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace hotsplice::hostd
