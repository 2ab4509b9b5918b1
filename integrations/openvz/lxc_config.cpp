#include "integrations/openvz/lxc_config.h"

#include <algorithm>
#include <system_error>

#include "core/base/file_io.h"
#include "core/platform/tree_reading.h"

namespace hotsplice::openvz {
namespace {

constexpr std::size_t kMaxConfigBytes = 1 << 20;

}  // namespace

std::string parse_lxc_hostname(std::string_view config, std::string_view what,
                               std::vector<std::string>& warnings) {
  std::string hostname;
  std::size_t number = 0;
  while (!config.empty()) {
    ++number;
    std::size_t end = config.find('\n');
    std::string line = platform::trim(config.substr(0, end));
    config.remove_prefix(end == std::string_view::npos ? config.size() : end + 1);
    if (line.empty() || line.front() == '#') continue;
    std::size_t equals = line.find('=');
    if (equals == std::string::npos || platform::trim(line.substr(0, equals)).empty()) {
      warnings.push_back(std::string(what) + " line " + std::to_string(number) +
                         ": expected \"key = value\", skipped");
      continue;
    }
    std::string key = platform::trim(line.substr(0, equals));
    if (key == "lxc.uts.name" || key == "lxc.utsname") {
      hostname = platform::trim(line.substr(equals + 1));
    }
  }
  return hostname;
}

ContainerList read_lxc_containers(const std::filesystem::path& root) {
  ContainerList list;
  std::vector<std::string> names;
  std::error_code error;
  for (std::filesystem::directory_iterator it(root / "var/lib/lxc", error), end;
       !error && it != end; it.increment(error)) {
    if (platform::path_exists(it->path() / "config")) {
      names.push_back(it->path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  for (const auto& raw_name : names) {
    std::string what = "/var/lib/lxc/" + raw_name + "/config";
    std::string name = accept_text(raw_name, kMaxNameLength, what + " directory", list.warnings);
    if (name.empty()) continue;
    auto config = read_file(root / "var/lib/lxc" / raw_name / "config", kMaxConfigBytes);
    if (!config) {
      list.warnings.push_back(what + ": " + config.error().message() + ", skipped");
      continue;
    }
    Container container{name, name, "", kStatusStopped, kSourceLxc, KernelIdentity{}};
    container.hostname = accept_text(parse_lxc_hostname(*config, what, list.warnings),
                                     kMaxNameLength, what + " lxc.uts.name", list.warnings);
    if (platform::path_exists(root / "sys/fs/cgroup" / ("lxc.payload." + name)) ||
        platform::path_exists(root / "sys/fs/cgroup/lxc" / name)) {
      container.status = kStatusRunning;
    }
    list.containers.push_back(std::move(container));
  }
  return list;
}

}  // namespace hotsplice::openvz
