#include "hostagent/config.h"

#include <boost/asio/ip/address.hpp>

#include "core/base/file_io.h"
#include "core/base/json_reader.h"
#include "hostagent/error_codes.h"

namespace hotsplice::hostd {
namespace {

constexpr std::size_t kMaxPathLength = 4096;
constexpr std::size_t kMaxTextLength = 1024;
constexpr std::size_t kMaxPins = 100000;

Error invalid(const Error& error) {
  return Error(errc::kConfigInvalid, error.message());
}

// Each reader leaves target untouched when the key is absent (the default stays).
Status read_string(const JsonObject& object, std::string_view key, std::string& target,
                   std::size_t max_length = kMaxTextLength) {
  if (!object.has(key)) return Status::ok();
  auto value = object.string(key, max_length);
  if (!value) return invalid(value.error());
  if (value->empty()) return invalid(object.invalid(key, "must not be empty"));
  target = *value;
  return Status::ok();
}

Status read_optional_string(const JsonObject& object, std::string_view key,
                            std::optional<std::string>& target) {
  std::string value;
  if (!object.has(key)) return Status::ok();
  if (auto status = read_string(object, key, value, kMaxPathLength); !status) return status;
  target = value;
  return Status::ok();
}

Status read_path(const JsonObject& object, std::string_view key, std::filesystem::path& target) {
  std::string value;
  if (!object.has(key)) return Status::ok();
  if (auto status = read_string(object, key, value, kMaxPathLength); !status) return status;
  if (value.front() != '/') return invalid(object.invalid(key, "must be an absolute path"));
  target = value;
  return Status::ok();
}

Status read_optional_path(const JsonObject& object, std::string_view key,
                          std::optional<std::filesystem::path>& target) {
  std::filesystem::path value;
  if (!object.has(key)) return Status::ok();
  if (auto status = read_path(object, key, value); !status) return status;
  target = value;
  return Status::ok();
}

Status read_unsigned(const JsonObject& object, std::string_view key, std::uint32_t& target,
                     std::uint32_t min, std::uint32_t max) {
  if (!object.has(key)) return Status::ok();
  auto value = object.unsigned_integer(key, max);
  if (!value) return invalid(value.error());
  if (*value < min) {
    return invalid(object.invalid(key, "must be at least " + std::to_string(min)));
  }
  target = static_cast<std::uint32_t>(*value);
  return Status::ok();
}

Status read_seconds(const JsonObject& object, std::string_view key, std::chrono::seconds& target,
                    std::uint32_t min, std::uint32_t max) {
  std::uint32_t value = static_cast<std::uint32_t>(target.count());
  if (auto status = read_unsigned(object, key, value, min, max); !status) return status;
  target = std::chrono::seconds(value);
  return Status::ok();
}

Status read_bool(const JsonObject& object, std::string_view key, bool& target) {
  if (!object.has(key)) return Status::ok();
  auto value = object.boolean(key);
  if (!value) return invalid(value.error());
  target = *value;
  return Status::ok();
}

// Runs read on the sub-object key when present.
template <typename Read>
Status with_object(const JsonObject& parent, std::string_view key, Read read) {
  if (!parent.has(key)) return Status::ok();
  auto object = parent.object(key);
  if (!object) return invalid(object.error());
  return read(*object);
}

Status read_libvirt(const JsonObject& o, HostdConfig& config) {
  if (auto s =
          o.only_fields({"uri", "channel_name", "hotplug_channel", "reconnect_interval_seconds"});
      !s) {
    return invalid(s.error());
  }
  if (auto s = read_string(o, "uri", config.libvirt_uri); !s) return s;
  if (auto s = read_string(o, "channel_name", config.channel_name, 255); !s) return s;
  if (config.channel_name.find('/') != std::string::npos) {
    return invalid(o.invalid("channel_name", "is a port name and may not hold '/'"));
  }
  if (auto s = read_bool(o, "hotplug_channel", config.hotplug_channel); !s) return s;
  return read_seconds(o, "reconnect_interval_seconds", config.reconnect_interval, 1, 3600);
}

Status read_repository(const JsonObject& o, RepositoryConfig& repo) {
  if (auto s = o.only_fields({"directory", "url", "proxy", "ca_file", "cache_dir",
                              "poll_interval_seconds", "poll_jitter_percent"});
      !s) {
    return invalid(s.error());
  }
  if (auto s = read_optional_path(o, "directory", repo.directory); !s) return s;
  if (auto s = read_optional_string(o, "url", repo.url); !s) return s;
  if (auto s = read_optional_string(o, "proxy", repo.proxy); !s) return s;
  if (auto s = read_optional_path(o, "ca_file", repo.ca_file); !s) return s;
  if (auto s = read_path(o, "cache_dir", repo.cache_dir); !s) return s;
  if (auto s = read_seconds(o, "poll_interval_seconds", repo.poll_interval, 10, 7 * 86400); !s) {
    return s;
  }
  if (auto s = read_unsigned(o, "poll_jitter_percent", repo.poll_jitter_percent, 0, 50); !s) {
    return s;
  }
  if (repo.directory && repo.url) {
    return invalid(o.invalid("url", "give either directory or url, not both"));
  }
  if (repo.url && repo.url->rfind("http://", 0) != 0 && repo.url->rfind("https://", 0) != 0) {
    return invalid(o.invalid("url", "must start with http:// or https://"));
  }
  if (repo.proxy && !repo.url) {
    return invalid(o.invalid("proxy", "applies to an HTTP repository (url) only"));
  }
  return Status::ok();
}

Status read_rollout(const JsonObject& o, const Json& raw, RolloutConfig& rollout) {
  if (auto s = o.only_fields({"policy", "canary_count", "canary_percent", "canary_wait_seconds",
                              "concurrency", "pins"});
      !s) {
    return invalid(s.error());
  }
  if (o.has("policy")) {
    std::string policy;
    if (auto s = read_string(o, "policy", policy); !s) return s;
    if (policy == "automatic") {
      rollout.policy = RolloutPolicy::automatic;
    } else if (policy == "manual") {
      rollout.policy = RolloutPolicy::manual;
    } else {
      return invalid(o.invalid("policy", "expected \"automatic\" or \"manual\""));
    }
  }
  if (o.has("canary_count") && o.has("canary_percent")) {
    return invalid(o.invalid("canary_percent", "give canary_count or canary_percent, not both"));
  }
  if (auto s = read_unsigned(o, "canary_count", rollout.canary_count, 0, 100000); !s) return s;
  if (o.has("canary_percent")) {
    rollout.canary_count = 0;
    if (auto s = read_unsigned(o, "canary_percent", rollout.canary_percent, 0, 100); !s) return s;
  }
  if (auto s = read_seconds(o, "canary_wait_seconds", rollout.canary_wait, 0, 7 * 86400); !s) {
    return s;
  }
  if (auto s = read_unsigned(o, "concurrency", rollout.concurrency, 1, 1024); !s) return s;
  if (!o.has("pins")) return Status::ok();
  const Json& pins = raw.at("pins");
  if (!pins.is_object()) return invalid(o.invalid("pins", "expected an object"));
  if (pins.size() > kMaxPins) return invalid(o.invalid("pins", "too many entries"));
  for (const auto& [guest, bundle] : pins.items()) {
    if (guest.empty() || guest.size() > kMaxTextLength) {
      return invalid(o.invalid("pins", "a guest name must be 1 to 1024 bytes"));
    }
    if (!bundle.is_string() || bundle.get<std::string>().size() > kMaxTextLength) {
      return invalid(o.invalid(
          "pins", "the pin of \"" + guest + "\" must be a bundle id string (\"\" holds)"));
    }
    rollout.pins[guest] = bundle.get<std::string>();
  }
  return Status::ok();
}

Status read_timeouts(const JsonObject& o, TimeoutConfig& t) {
  if (auto s =
          o.only_fields({"handshake_seconds", "transfer_seconds", "apply_seconds", "io_seconds",
                         "retry_seconds", "liveness_seconds", "recheck_seconds"});
      !s) {
    return invalid(s.error());
  }
  if (auto s = read_seconds(o, "handshake_seconds", t.handshake, 1, 3600); !s) return s;
  if (auto s = read_seconds(o, "transfer_seconds", t.transfer, 1, 86400); !s) return s;
  // guestd may be silent for 15 s + 5 s during a transition; 45 s leaves margin.
  if (auto s = read_seconds(o, "apply_seconds", t.apply, 45, 3600); !s) return s;
  if (auto s = read_seconds(o, "io_seconds", t.io, 1, 3600); !s) return s;
  if (auto s = read_seconds(o, "retry_seconds", t.retry, 1, 86400); !s) return s;
  // At most an hour: past that a status would stand unconfirmed too long to be called current.
  if (auto s = read_seconds(o, "liveness_seconds", t.liveness, 1, 3600); !s) return s;
  return read_seconds(o, "recheck_seconds", t.recheck, 10, 7 * 86400);
}

Status read_host(const JsonObject& o, HostConfig& host) {
  if (auto s = o.only_fields(
          {"patch_kernel", "state_dir", "root", "containers", "container_rescan_seconds"});
      !s) {
    return invalid(s.error());
  }
  if (o.has("patch_kernel")) {
    std::string value;
    if (auto s = read_string(o, "patch_kernel", value); !s) return s;
    if (value == "auto") {
      host.patch_kernel = HostPatching::automatic;
    } else if (value == "on") {
      host.patch_kernel = HostPatching::on;
    } else if (value == "off") {
      host.patch_kernel = HostPatching::off;
    } else {
      return invalid(o.invalid("patch_kernel", "expected \"auto\", \"on\" or \"off\""));
    }
  }
  if (auto s = read_path(o, "state_dir", host.state_dir); !s) return s;
  if (auto s = read_path(o, "root", host.root); !s) return s;
  if (auto s = read_bool(o, "containers", host.containers); !s) return s;
  return read_seconds(o, "container_rescan_seconds", host.container_rescan, 1, 86400);
}

// "listen": "ADDRESS:PORT" with an IPv4 literal or a bracketed IPv6 one ("[::1]:9470").
Status read_http(const JsonObject& o, HttpConfig& http) {
  if (auto s = o.only_fields({"enabled", "listen", "token_file", "dashboard_dir"}); !s) {
    return invalid(s.error());
  }
  if (auto s = read_bool(o, "enabled", http.enabled); !s) return s;
  if (auto s = read_path(o, "token_file", http.token_file); !s) return s;
  if (auto s = read_path(o, "dashboard_dir", http.dashboard_dir); !s) return s;
  if (!o.has("listen")) return Status::ok();
  std::string listen;
  if (auto s = read_string(o, "listen", listen, 64); !s) return s;
  auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) {
    return invalid(o.invalid("listen", "expected ADDRESS:PORT, e.g. 127.0.0.1:9470"));
  }
  std::string host = listen.substr(0, colon);
  if (host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned long port = 0;
  for (char c : listen.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535) {
      return invalid(o.invalid("listen", "the port must be a number from 0 to 65535"));
    }
    port = port * 10 + static_cast<unsigned long>(c - '0');
  }
  if (port > 65535) return invalid(o.invalid("listen", "the port must be at most 65535"));
  boost::system::error_code bad_address;
  boost::asio::ip::make_address(host, bad_address);
  if (bad_address) return invalid(o.invalid("listen", "\"" + host + "\" is not an IP address"));
  http.host = host;
  http.port = static_cast<std::uint16_t>(port);
  return Status::ok();
}

}  // namespace

const char* host_patching_name(HostPatching patching) {
  switch (patching) {
    case HostPatching::automatic:
      return "auto";
    case HostPatching::on:
      return "on";
    case HostPatching::off:
      return "off";
  }
  return "auto";
}

const char* policy_name(RolloutPolicy policy) {
  return policy == RolloutPolicy::automatic ? "automatic" : "manual";
}

Expected<HostdConfig> parse_config(std::string_view text) {
  auto json = parse_json(text, "hostd config");
  if (!json) return invalid(json.error());
  auto top = JsonObject::from(*json, "config");
  if (!top) return invalid(top.error());
  const JsonObject& o = *top;
  if (auto s =
          o.only_fields({"libvirt", "repository", "state_dir", "database", "keys_dir",
                         "control_socket", "host", "rollout", "timeouts", "http", "log_level"});
      !s) {
    return invalid(s.error());
  }
  HostdConfig config;
  if (auto s =
          with_object(o, "libvirt", [&](const JsonObject& x) { return read_libvirt(x, config); });
      !s) {
    return s.error();
  }
  if (auto s =
          with_object(o, "repository",
                      [&](const JsonObject& x) { return read_repository(x, config.repository); });
      !s) {
    return s.error();
  }
  if (auto s = read_path(o, "state_dir", config.state_dir); !s) return s.error();
  config.database = config.state_dir / "hostd.db";
  // The cache follows state_dir like the database unless the file names its own.
  const bool cache_named = o.has("repository") && json->at("repository").is_object() &&
                           json->at("repository").contains("cache_dir");
  if (!cache_named) config.repository.cache_dir = config.state_dir / "repository";
  if (auto s = read_path(o, "database", config.database); !s) return s.error();
  config.host.state_dir = config.state_dir / "host";
  if (auto s =
          with_object(o, "host", [&](const JsonObject& x) { return read_host(x, config.host); });
      !s) {
    return s.error();
  }
  if (auto s = read_path(o, "keys_dir", config.keys_dir); !s) return s.error();
  if (auto s = read_path(o, "control_socket", config.control_socket); !s) return s.error();
  if (auto s = with_object(o, "rollout",
                           [&](const JsonObject& x) {
                             return read_rollout(x, json->at("rollout"), config.rollout);
                           });
      !s) {
    return s.error();
  }
  if (auto s = with_object(o, "timeouts",
                           [&](const JsonObject& x) { return read_timeouts(x, config.timeouts); });
      !s) {
    return s.error();
  }
  if (auto s =
          with_object(o, "http", [&](const JsonObject& x) { return read_http(x, config.http); });
      !s) {
    return s.error();
  }
  if (o.has("log_level")) {
    std::string name;
    if (auto s = read_string(o, "log_level", name); !s) return s.error();
    auto level = parse_log_level(name);
    if (!level) {
      return invalid(o.invalid("log_level", "expected error, warning, notice, info or debug"));
    }
    config.log_level = *level;
  }
  return config;
}

Status check_startable(const HostdConfig& config) {
  if (!config.repository.directory && !config.repository.url) {
    return Error(errc::kConfigInvalid,
                 "config.repository: give a directory or a url (hostd has nothing to offer "
                 "without one)");
  }
  return Status::ok();
}

Expected<HostdConfig> load_config(const std::filesystem::path& path) {
  auto text = read_file(path, kMaxConfigBytes);
  if (!text) {
    return Error(errc::kConfigUnreadable,
                 "reading " + path.string() + ": " + text.error().message());
  }
  auto config = parse_config(*text);
  if (!config) return config.error().with_context(path.string());
  return config;
}

}  // namespace hotsplice::hostd
