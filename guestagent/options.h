// hotsplice-guestd's command line.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/base/expected.h"
#include "core/base/log.h"

namespace hotsplice::guestd {

struct Options {
  std::string port_name = "org.hotsplice.agent.0";
  std::optional<std::filesystem::path> port_path;  // a device or Unix socket, bypassing lookup
  std::filesystem::path state_dir = "/var/lib/hotsplice";
  std::filesystem::path keys_dir = "/etc/hotsplice/keys.d";
  std::filesystem::path root = "/";  // where /proc and /sys are read (tests only)
  std::chrono::milliseconds transition_timeout{15000};
  std::chrono::milliseconds settle_time{60000};  // apply::PatchTimeouts::settle
  std::optional<std::string> clear_crash;        // bundle id: clear its crash record, exit
  LogLevel log_level = LogLevel::info;
  bool once = false;
  bool apply_stored = false;
  bool help = false;
  bool version = false;
};

// Fails with "usage" and a message naming the bad argument.
Expected<Options> parse_options(const std::vector<std::string>& arguments);
const char* usage_text();

}  // namespace hotsplice::guestd
