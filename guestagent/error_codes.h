// Error codes of hotsplice-guestd's own parts (finding and opening its port), declared once.
// The codes guestd sends to hostd are wire codes: core/protocol/error_codes.h (transfers,
// refusals) and core/apply/error_codes.h (apply results). A bad command line is
// hotsplice::errc::kUsage (core/base/error_codes.h).
#pragma once

namespace hotsplice::guestd::errc {

// --port-path names a socket whose path does not fit in sockaddr_un (guestd logs it while
// it waits for the port; the operator sees it in the journal).
inline constexpr char kInvalidPort[] = "invalid_port";
// No virtio port of the configured name exists yet: guestd logs it once and keeps looking.
inline constexpr char kPortAbsent[] = "absent";

}  // namespace hotsplice::guestd::errc
