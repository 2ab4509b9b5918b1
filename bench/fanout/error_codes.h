// Error codes of the bench's simulation parts (hotsplice-guestd-sim, hotsplice-hostd-sim).
#pragma once

namespace hotsplice::bench::errc {

inline constexpr char kUsage[] = "usage";
inline constexpr char kHotplugUnsupported[] = "hotplug_unsupported";

}  // namespace hotsplice::bench::errc
