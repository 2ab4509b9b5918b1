// Watches a guest's serial console log while it boots: success when the test shell's
// readiness marker appears, immediate failure on a kernel panic, an init error, or the
// guest going away, with the console log in the error so a failing test shows why.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "core/base/expected.h"
#include "tests/vm/harness/deadline.h"

namespace hotsplice::vm {

// Printed on the console by tests/vm/guest/test-shell.sh once the test port is open.
inline constexpr std::string_view kGuestReadyMarker = "HOTSPLICE-GUEST-READY";

// Returns why the guest is gone (e.g. "qemu exited with status 0"), or nullopt if it runs.
using GuestGoneCheck = std::function<std::optional<std::string>()>;

Status wait_for_guest_ready(const std::filesystem::path& console_log, const Deadline& deadline,
                            const GuestGoneCheck& guest_gone);

// "\n--- console log of <path> (last N bytes) ---\n<text>" for error messages.
std::string console_log_excerpt(const std::filesystem::path& console_log);

// The kernel command line both runners boot with, plus extra arguments. The guest powers
// itself off after `lifetime` (see tests/vm/guest/init).
std::string guest_kernel_command_line(const std::string& extra_args, std::chrono::seconds lifetime);

}  // namespace hotsplice::vm
