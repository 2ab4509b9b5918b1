// Error codes of the VM tests' own parts outside the harness (the host-side test client of
// guestd, guestd_host_client.h), declared once. Only tests see them. The harness's codes are
// in tests/vm/harness/error_codes.h; a closed channel is protocol::errc::kDisconnected.
#pragma once

namespace hotsplice::vm::errc {

// AgentClient::send_bundle stopped writing at the test's stop_after_bytes (a cut transfer):
// send_bundle answers it with the offset the guest resumed from, never as a failure.
inline constexpr char kTransferCut[] = "cut";
// guestd answered a request with another event than the one the request produces.
inline constexpr char kUnexpectedEvent[] = "unexpected_event";
// guestd refused a transfer offer or chunk (the message carries guestd's code and message).
inline constexpr char kTransferFailed[] = "transfer_failed";

}  // namespace hotsplice::vm::errc
