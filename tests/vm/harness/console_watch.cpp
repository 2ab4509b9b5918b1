#include "tests/vm/harness/console_watch.h"

#include <thread>

#include "tests/vm/harness/child_process.h"
#include "tests/vm/harness/error_codes.h"

namespace hotsplice::vm {
namespace {

// Console lines that mean the guest will never become ready.
constexpr std::string_view kFatalMarkers[] = {
    "Kernel panic - not syncing",
    "HOTSPLICE-INIT-ERROR",
};

constexpr std::size_t kExcerptBytes = 16384;

}  // namespace

Status wait_for_guest_ready(const std::filesystem::path& console_log, const Deadline& deadline,
                            const GuestGoneCheck& guest_gone) {
  while (true) {
    // The whole log each time: it is small, and a marker may straddle two reads otherwise.
    std::string text = file_tail(console_log, 1 << 20);
    if (text.find(kGuestReadyMarker) != std::string::npos) return Status::ok();
    for (std::string_view fatal : kFatalMarkers) {
      if (text.find(fatal) != std::string::npos) {
        // Give the kernel a moment to finish printing the panic and its stack.
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        return Error(errc::kGuestFailed, "guest console reports \"" + std::string(fatal) + "\"" +
                                             console_log_excerpt(console_log));
      }
    }
    if (auto gone = guest_gone()) {
      return Error(errc::kGuestFailed, "guest stopped before it was ready: " + *gone +
                                           console_log_excerpt(console_log));
    }
    if (deadline.expired()) {
      return Error(errc::kTimeout, "guest not ready in time" + console_log_excerpt(console_log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string console_log_excerpt(const std::filesystem::path& console_log) {
  return "\n--- console log " + console_log.string() + " (last " + std::to_string(kExcerptBytes) +
         " bytes at most) ---\n" + file_tail(console_log, kExcerptBytes) +
         "\n--- end of console log ---";
}

std::string guest_kernel_command_line(const std::string& extra_args,
                                      std::chrono::seconds lifetime) {
  // panic=-1: reboot at once on panic, which -no-reboot / on_crash=destroy turn into an
  // exit, so a panicking guest is noticed immediately. quiet: less console output to
  // emulate (panics and errors are printed anyway).
  std::string line = "console=ttyS0 panic=-1 quiet";
  // 0: no limit (a lab kept open by hand); /init would power off at once on "=0".
  if (lifetime.count() > 0) line += " hotsplice.lifetime=" + std::to_string(lifetime.count());
  if (!extra_args.empty()) line += " " + extra_args;
  return line;
}

}  // namespace hotsplice::vm
