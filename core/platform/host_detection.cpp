#include "core/platform/host_detection.h"

#include "core/platform/container_detection.h"
#include "core/platform/tree_reading.h"

namespace hotsplice::platform {
namespace {

using platform::Environment;

// "/" + the path under the root, as evidence names it. Appended rather than written
// `"/" + std::string(relative)`: GCC 12 at -O3 warns -Wrestrict on that (GCC bug 105329).
std::string absolute_name(std::string_view relative) {
  std::string name = "/";
  name += relative;
  return name;
}

// A finding worth keeping from one file: its first line, or "present" when it is empty, a
// directory or unreadable (presence is what the kernel signals with these files).
std::optional<Evidence> presence(const std::filesystem::path& root, std::string_view relative) {
  std::filesystem::path path = root / relative;
  if (!path_exists(path)) return std::nullopt;
  std::string finding = "present";
  if (auto content = read_small(path)) {
    if (std::string line = first_line(*content); !line.empty()) finding += ": " + line;
  }
  return Evidence{absolute_name(relative), std::move(finding)};
}

bool proc_readable(const std::filesystem::path& root) {
  return read_small(root / "proc/self/status").has_value() ||
         read_small(root / "proc/1/status").has_value();
}

// /proc/vz and /proc/bc exist only where the OpenVZ/Virtuozzo kernel runs; a container sees
// /proc/vz and /proc/user_beancounters (its own) but never /proc/bc, so once the container
// checks found nothing, either directory marks the node.
bool collect_openvz_node(const std::filesystem::path& root, std::vector<Evidence>& evidence) {
  bool node = false;
  for (std::string_view file : {"proc/vz/version", "proc/vz/veinfo", "proc/user_beancounters"}) {
    if (auto found = presence(root, file)) evidence.push_back(std::move(*found));
  }
  if (path_exists(root / "proc/bc")) {
    evidence.push_back({"/proc/bc", "present: beancounters of the whole node"});
    node = true;
  }
  if (path_exists(root / "proc/vz")) node = true;
  return node;
}

// /sys/hypervisor and /proc/xen exist in every Xen domain, guests included: only
// "control_d" in /proc/xen/capabilities marks dom0, the host. A libvirt socket is counted
// when present; whether the daemon answers is the libvirt integration's business.
bool collect_hypervisor_host(const std::filesystem::path& root, std::vector<Evidence>& evidence) {
  bool host = false;
  if (auto kvm = presence(root, "dev/kvm")) {
    evidence.push_back(std::move(*kvm));
    host = true;
  }
  if (auto capabilities = read_small(root / "proc/xen/capabilities")) {
    bool dom0 = capabilities->find("control_d") != std::string::npos;
    evidence.push_back({"/proc/xen/capabilities",
                        dom0 ? "control_d: Xen dom0" : "no control_d: a Xen guest, not dom0"});
    host = host || dom0;
  } else if (auto xen = presence(root, "proc/xen")) {
    evidence.push_back(std::move(*xen));
  }
  if (auto type = presence(root, "sys/hypervisor/type")) evidence.push_back(std::move(*type));
  for (std::string_view socket : {"run/libvirt/libvirt-sock", "var/run/libvirt/libvirt-sock",
                                  "run/libvirt/virtqemud-sock", "run/libvirt/virtxend-sock"}) {
    if (path_exists(root / socket)) {
      evidence.push_back({absolute_name(socket), "present: a libvirt daemon's socket"});
      host = true;
    }
  }
  return host;
}

}  // namespace

HostReport detect_host(const std::filesystem::path& root) {
  HostReport report;
  PlatformReport platform = detect_platform(root);
  if (platform.environment.kind == Environment::Kind::container) {
    report.environment = platform.environment;
    report.evidence.push_back({"container detection", platform.evidence});
    return report;
  }
  if (!proc_readable(root)) {
    report.evidence.push_back(
        {"/proc",
         "no readable /proc/self/status or /proc/1/status: cannot tell a host from "
         "a container"});
    return report;
  }
  report.environment = platform.environment;
  report.evidence.push_back({"platform detection", platform.evidence});
  report.openvz_node = collect_openvz_node(root, report.evidence);
  report.hypervisor_host = collect_hypervisor_host(root, report.evidence);
  return report;
}

Status check_may_patch_kernel(const HostReport& report) {
  return check_may_patch(report.environment.value_or(Environment{}),
                         describe_evidence(report.evidence));
}

std::string describe_evidence(const std::vector<Evidence>& evidence) {
  std::string text;
  for (const auto& item : evidence) {
    if (!text.empty()) text += "; ";
    text += item.source + ": " + item.finding;
  }
  return text.empty() ? std::string("no evidence") : text;
}

}  // namespace hotsplice::platform
