#include "core/platform/container_detection.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>
#include <system_error>

#include "core/base/file_io.h"
#include "core/platform/tree_reading.h"
#include "core/base/names.h"

namespace hotsplice {
namespace {

using platform::path_exists;
using platform::read_small;
using platform::trim;
using platform::Environment;

// The value of "Key:\tvalue" in a /proc/<pid>/status file.
std::optional<std::string> status_field(const std::string& status, std::string_view key) {
  std::size_t line_start = 0;
  while (line_start < status.size()) {
    std::size_t line_end = status.find('\n', line_start);
    if (line_end == std::string::npos) line_end = status.size();
    std::string_view line(status.data() + line_start, line_end - line_start);
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ':') {
      return trim(line.substr(key.size() + 1));
    }
    line_start = line_end + 1;
  }
  return std::nullopt;
}

PlatformReport container(std::string technology, std::string evidence) {
  return {Environment{Environment::Kind::container, std::move(technology)}, std::move(evidence)};
}

// OpenVZ/Virtuozzo: the node has both /proc/vz and /proc/bc (beancounters); a container
// sees /proc/vz but no /proc/bc. Inside a container, envID in status is the container id.
std::optional<PlatformReport> detect_openvz(const std::filesystem::path& root) {
  if (path_exists(root / "proc/vz") && !path_exists(root / "proc/bc")) {
    return container("openvz", "/proc/vz present without /proc/bc");
  }
  if (auto status = read_small(root / "proc/self/status")) {
    auto env_id = status_field(*status, "envID");
    if (env_id && !env_id->empty() && *env_id != "0") {
      return container("openvz", "envID " + *env_id + " in /proc/self/status");
    }
  }
  return std::nullopt;
}

// "lxc", "docker", "podman", "systemd-nspawn", ... from PID 1's container= variable, which
// every common runtime sets (systemd's "Container Interface").
std::optional<PlatformReport> detect_container_variable(const std::filesystem::path& root) {
  auto environ = read_small(root / "proc/1/environ");
  if (!environ) return std::nullopt;
  constexpr std::string_view kKey = "container=";
  std::size_t start = 0;
  while (start < environ->size()) {
    std::size_t end = environ->find('\0', start);
    if (end == std::string::npos) end = environ->size();
    std::string_view entry(environ->data() + start, end - start);
    if (entry.substr(0, kKey.size()) == kKey) {
      std::string value(entry.substr(kKey.size()));
      // The value is only reported when it is a well-formed token; the verdict stands
      // either way.
      std::string technology = is_valid_token(value) ? value : "";
      return container(technology, "container= in /proc/1/environ");
    }
    start = end + 1;
  }
  return std::nullopt;
}

std::optional<PlatformReport> detect_marker_files(const std::filesystem::path& root) {
  if (path_exists(root / "run/.containerenv")) return container("podman", "/run/.containerenv");
  if (path_exists(root / ".dockerenv")) return container("docker", "/.dockerenv");
  return std::nullopt;
}

// cgroup v1 paths name the runtime ("/docker/<id>", "/lxc/<name>", "/kubepods/...").
std::optional<PlatformReport> detect_cgroup_hints(const std::filesystem::path& root) {
  auto cgroup = read_small(root / "proc/1/cgroup");
  if (!cgroup) return std::nullopt;
  static constexpr std::pair<std::string_view, std::string_view> kHints[] = {
      {"/docker/", "docker"},
      {"/lxc/", "lxc"},
      {"/kubepods", "kubernetes"},
      {"/machine.slice/systemd-nspawn", "systemd-nspawn"},
      {"/libpod-", "podman"}};
  for (const auto& [hint, technology] : kHints) {
    if (cgroup->find(hint) != std::string::npos) {
      return container(std::string(technology), std::string(hint) + " in /proc/1/cgroup");
    }
  }
  return std::nullopt;
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// Built member by member: GCC 12 at -O3 takes the braced temporaries of a returned
// optional<PlatformReport> for uninitialised strings (-Wmaybe-uninitialized).
PlatformReport vm_report(std::string technology, std::string evidence) {
  PlatformReport report;
  report.environment.kind = Environment::Kind::vm;
  report.environment.technology = std::move(technology);
  report.evidence = std::move(evidence);
  return report;
}

std::optional<PlatformReport> detect_hypervisor(const std::filesystem::path& root) {
  if (auto type = read_small(root / "sys/hypervisor/type"); type && trim(*type) == "xen") {
    return vm_report("xen", "/sys/hypervisor/type");
  }
  for (const char* file : {"sys/class/dmi/id/sys_vendor", "sys/class/dmi/id/product_name"}) {
    auto value = read_small(root / file);
    if (!value) continue;
    std::string text = lower(*value);
    if (text.find("qemu") != std::string::npos || text.find("kvm") != std::string::npos) {
      return vm_report("kvm", std::string("/") + file);
    }
  }
  // The CPU's hypervisor bit: a VM whose firmware does not say which hypervisor it is.
  if (auto cpuinfo = read_file(root / "proc/cpuinfo", 4 << 20)) {
    if (cpuinfo->find(" hypervisor") != std::string::npos) {
      return vm_report("", "hypervisor flag in /proc/cpuinfo");
    }
  }
  return std::nullopt;
}

}  // namespace

PlatformReport detect_platform(const std::filesystem::path& root) {
  for (auto detect : {detect_openvz, detect_container_variable, detect_marker_files,
                      detect_cgroup_hints, detect_hypervisor}) {
    if (auto report = detect(root)) return std::move(*report);
  }
  return PlatformReport{{Environment::Kind::bare_metal, ""}, "no container or hypervisor sign"};
}

}  // namespace hotsplice
