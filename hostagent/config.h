// hostd's configuration: /etc/hotsplice/hostd.json (or --config). Every key is optional and
// documented with its default in docs/hostd.md; an unknown key, a wrong type or a value out
// of bounds is refused with an error naming the key, so a typo never silently changes what
// hostd does. SIGHUP re-reads the file; a refused file leaves the running config in place.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/base/expected.h"
#include "core/base/log.h"

namespace hotsplice::hostd {

inline constexpr char kDefaultConfigPath[] = "/etc/hotsplice/hostd.json";
// A config file is a few hundred bytes; anything near this is not one.
inline constexpr std::size_t kMaxConfigBytes = 1024 * 1024;

enum class RolloutPolicy { automatic, manual };

struct RolloutConfig {
  RolloutPolicy policy = RolloutPolicy::automatic;
  // The canary stage: either a number of guests or a percentage of the known guests
  // (rounded up). Zero of both means no canary stage.
  std::uint32_t canary_count = 1;
  std::uint32_t canary_percent = 0;
  std::chrono::seconds canary_wait{600};
  std::uint32_t concurrency = 4;  // guests transferring/applying at once, >= 1
  // guest (uuid or name) -> the newest bundle id it may get; "" holds it at no patch.
  std::map<std::string, std::string> pins;

  bool operator==(const RolloutConfig&) const = default;
};

struct RepositoryConfig {
  std::optional<std::filesystem::path> directory;  // a local directory of signed bundles
  std::optional<std::string> url;                  // or an HTTP(S) base URL
  std::optional<std::string> proxy;                // explicit proxy for url
  std::optional<std::filesystem::path> ca_file;
  // Default <state_dir>/repository (load_config), like the database.
  std::filesystem::path cache_dir = "/var/lib/hotsplice/repository";
  std::chrono::seconds poll_interval{3600};
  std::uint32_t poll_jitter_percent = 10;  // each poll waits interval ± this share

  bool operator==(const RepositoryConfig&) const = default;
};

struct TimeoutConfig {
  std::chrono::seconds handshake{30};  // connect + sync + hello
  std::chrono::seconds transfer{300};  // a whole bundle transfer
  // An apply or rollback: guestd is silent for up to 15 s + 5 s while a transition runs, so
  // this must stay well above 20 s (bounded below at 45 s).
  std::chrono::seconds apply{90};
  std::chrono::seconds io{30};     // any single read or write on a channel making no progress
  std::chrono::seconds retry{30};  // before a silent agent is asked again
  // How often hostd confirms each connected, idle guest's agent (an inventory request, which
  // also refreshes its hello). An agent that has not answered a check within `handshake`
  // turns agent_silent: a status is never older than liveness + handshake (+1 s of tick).
  std::chrono::seconds liveness{60};
  // Older configs' refresh period of an idle guest's hello; only matters below liveness.
  std::chrono::seconds recheck{300};

  // The period of the liveness check: liveness, or recheck when an older config set it lower.
  std::chrono::seconds confirm_every() const { return std::min(liveness, recheck); }

  bool operator==(const TimeoutConfig&) const = default;
};

// Whether hostd patches the kernel it runs on (the node's: every container on it shares it).
enum class HostPatching {
  automatic,  // when core/platform finds a node, bare metal or a VM; not in a container/unknown
  on,         // always; in a container or an unknown environment hostd refuses to start
  off,        // never: only VMs (and containers are not reported)
};

struct HostConfig {
  HostPatching patch_kernel = HostPatching::automatic;
  // The apply component's state for the node's kernel: applied/<id>.hsb re-applied at
  // start, staging/, work/. Default <state_dir>/host.
  std::filesystem::path state_dir = "/var/lib/hotsplice/host";
  // Stands for "/" when reading /proc, /sys and the container sources (recorded trees in
  // tests); "/" in production.
  std::filesystem::path root = "/";
  bool containers = true;                     // enumerate containers and report them covered
  std::chrono::seconds container_rescan{60};  // between container scans (also on SIGHUP)

  bool operator==(const HostConfig&) const = default;
};

#ifndef HOTSPLICE_DASHBOARD_DIR
#define HOTSPLICE_DASHBOARD_DIR "/usr/share/hotsplice/dashboard"
#endif

// The HTTP API, /metrics and the dashboard (docs/api.md).
struct HttpConfig {
  bool enabled = true;
  std::string host = "127.0.0.1";  // an IP address literal; loopback unless told otherwise
  std::uint16_t port = 9470;
  // Holds the bearer token POST actions require; must not be group/world readable.
  std::filesystem::path token_file = "/etc/hotsplice/api-token";
  std::filesystem::path dashboard_dir = HOTSPLICE_DASHBOARD_DIR;

  bool operator==(const HttpConfig&) const = default;
};

struct HostdConfig {
  std::string libvirt_uri = "qemu:///system";
  std::string channel_name = "org.hotsplice.agent.0";
  bool hotplug_channel = false;
  std::chrono::seconds reconnect_interval{5};
  RepositoryConfig repository;
  std::filesystem::path state_dir = "/var/lib/hotsplice";
  std::filesystem::path database = "/var/lib/hotsplice/hostd.db";
  std::filesystem::path keys_dir = "/etc/hotsplice/keys.d";
  std::filesystem::path control_socket = "/run/hotsplice/hostd.sock";
  HostConfig host;
  RolloutConfig rollout;
  TimeoutConfig timeouts;
  HttpConfig http;
  LogLevel log_level = LogLevel::info;

  bool operator==(const HostdConfig&) const = default;
};

// Parses a config document; "config_invalid" naming the key on any problem.
Expected<HostdConfig> parse_config(std::string_view text);
// Reads and parses path; "config_unreadable" when it cannot be read.
Expected<HostdConfig> load_config(const std::filesystem::path& path);

// What a start refuses in a parsed config before it opens anything: today a repository with
// neither a directory nor a url (hostd would have nothing to offer). `--check-config` and the
// repository catalogue both call it, so a config that checks OK is one a start accepts.
Status check_startable(const HostdConfig& config);

const char* policy_name(RolloutPolicy policy);
const char* host_patching_name(HostPatching patching);

}  // namespace hotsplice::hostd
