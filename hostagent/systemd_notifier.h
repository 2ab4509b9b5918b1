// hostd's side of systemd's service protocol (Type=notify, sd_notify(3) from libsystemd):
// READY=1 once serving, STATUS= a one-line summary, STOPPING=1 on the way out, and
// WATCHDOG=1 heartbeats at half of WATCHDOG_USEC when the unit sets WatchdogSec=. Without
// NOTIFY_SOCKET (started by hand, in tests) every call does nothing.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace hotsplice::hostd {

class SystemdNotifier {
 public:
  void ready(const std::string& status);
  void status(const std::string& status);
  void stopping();
  void watchdog();
  void reloading();
  // Half of the watchdog interval systemd asked for, or nullopt when it asked for none.
  static std::optional<std::chrono::microseconds> heartbeat_interval();
};

}  // namespace hotsplice::hostd
