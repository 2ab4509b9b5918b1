#include "integrations/openvz/lxc_config.h"

#include <algorithm>
#include <system_error>

#include "core/base/file_io.h"
#include "core/platform/tree_reading.h"
#include "integrations/openvz/error_codes.h"

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

namespace {

std::vector<std::string_view> words_of(std::string_view line) {
  std::vector<std::string_view> words;
  while (!line.empty()) {
    std::size_t start = line.find_first_not_of(" \t\r");
    if (start == std::string_view::npos) break;
    line.remove_prefix(start);
    std::size_t end = line.find_first_of(" \t\r");
    words.push_back(line.substr(0, end));
    line.remove_prefix(end == std::string_view::npos ? line.size() : end);
  }
  return words;
}

}  // namespace

Expected<ContainerList> parse_lxc_ls(std::string_view text) {
  if (text.size() > kMaxListBytes) {
    return Error(errc::kContainerListMalformed, "lxc-ls output larger than 16 MiB");
  }
  ContainerList list;
  bool header_seen = false;
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    std::size_t end = text.find('\n');
    auto words = words_of(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (words.empty()) continue;
    if (!header_seen) {
      if (words.size() < 2 || lower_case(words[0]) != "name" || lower_case(words[1]) != "state") {
        return Error(
            errc::kContainerListMalformed,
            "lxc-ls output: line " + std::to_string(number) + " is not the header \"NAME STATE\"");
      }
      header_seen = true;
      continue;
    }
    std::string where = "lxc-ls line " + std::to_string(number);
    if (words.size() < 2) {
      list.warnings.push_back(where + ": not \"<name> <state>\", skipped");
      continue;
    }
    std::string name = accept_text(words[0], kMaxNameLength, where + " name", list.warnings);
    if (name.empty()) continue;
    list.containers.push_back({name, name, "", lower_case(words[1]), kSourceLxc, KernelIdentity{}});
  }
  if (!header_seen) return Error(errc::kContainerListMalformed, "lxc-ls printed nothing");
  return list;
}

}  // namespace hotsplice::openvz
