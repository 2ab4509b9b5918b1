// Error codes of the local test servers (tests/servers), declared once. Only tests see them.
#pragma once

namespace hotsplice::testing::errc {

// nginx or tinyproxy is not installed, exited while starting, or did not listen in time on
// any port tried; the message ends with its output.
inline constexpr char kServerStartFailed[] = "server_start_failed";

}  // namespace hotsplice::testing::errc
