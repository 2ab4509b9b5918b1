#include "hostagent/systemd_notifier.h"

#include <systemd/sd-daemon.h>

namespace hotsplice::hostd {

void SystemdNotifier::ready(const std::string& status) {
  sd_notify(0, ("READY=1\nSTATUS=" + status).c_str());
}

void SystemdNotifier::status(const std::string& status) {
  sd_notify(0, ("STATUS=" + status).c_str());
}

void SystemdNotifier::stopping() {
  sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

void SystemdNotifier::reloading() {
  sd_notify(0, "RELOADING=1");
}

void SystemdNotifier::watchdog() {
  sd_notify(0, "WATCHDOG=1");
}

std::optional<std::chrono::microseconds> SystemdNotifier::heartbeat_interval() {
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) <= 0 || usec == 0) return std::nullopt;
  return std::chrono::microseconds(usec / 2);
}

}  // namespace hotsplice::hostd
