#include "integrations/openvz/pid_namespaces.h"

#include <charconv>
#include <map>
#include <system_error>

#include "core/base/file_io.h"
#include "core/platform/tree_reading.h"

namespace hotsplice::openvz {
namespace {

std::optional<unsigned long> pid_of(const std::string& name) {
  unsigned long pid = 0;
  auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), pid);
  if (error != std::errc() || end != name.data() + name.size()) return std::nullopt;
  return pid;
}

bool is_namespace_link(const std::string& text) {
  return text.size() > 6 && text.rfind("pid:[", 0) == 0 && text.back() == ']' &&
         text.find_first_not_of("0123456789", 5) == text.size() - 1;
}

// Whether a cgroup file names container: runtimes put the id in their cgroup paths
// ("/docker/<id>", "docker-<id>.scope", "libpod-<id>.scope", "/machine.slice/<uuid>"),
// LXC its name ("lxc.payload.<name>", "/lxc/<name>"), OpenVZ its CTID ("/<ctid>").
bool cgroup_names(const std::string& cgroup, const Container& container) {
  const std::string& id = container.id;
  if (id.size() >= 32) return cgroup.find(id) != std::string::npos;
  for (const std::string& form : {"lxc.payload." + id, "/lxc/" + id + "/", "/lxc/" + id + "\n",
                                  "/" + id + "/", "/" + id + "\n", "machine-" + id + ".scope"}) {
    if (cgroup.find(form) != std::string::npos) return true;
  }
  return false;
}

bool names_any(const std::string& cgroup, const std::vector<Container>& known) {
  for (const auto& container : known) {
    if (container.source != kSourcePidNamespace && cgroup_names(cgroup, container)) return true;
  }
  return false;
}

}  // namespace

Expected<ContainerList> find_pid_namespace_containers(const std::filesystem::path& root,
                                                      const std::vector<Container>& known) {
  std::error_code error;
  std::string host = std::filesystem::read_symlink(root / "proc/1/ns/pid", error).string();
  if (error) return io_error("reading /proc/1/ns/pid", error.value());

  std::map<std::string, unsigned long> lowest_pid;  // namespace -> its lowest process
  ContainerList list;
  for (std::filesystem::directory_iterator it(root / "proc", error), end; !error && it != end;
       it.increment(error)) {
    auto pid = pid_of(it->path().filename().string());
    if (!pid) continue;
    std::error_code link_error;
    std::string link = std::filesystem::read_symlink(it->path() / "ns/pid", link_error).string();
    if (link_error) continue;  // exited during the scan, or a kernel thread's hidden link
    if (!is_namespace_link(link)) {
      list.warnings.push_back("/proc/" + std::to_string(*pid) + "/ns/pid: \"" +
                              accept_text(link, kMaxIdLength, "link", list.warnings) +
                              "\" is not pid:[N], skipped");
      continue;
    }
    if (link == host) continue;
    auto [entry, inserted] = lowest_pid.emplace(link, *pid);
    if (!inserted && *pid < entry->second) entry->second = *pid;
  }
  for (const auto& [link, pid] : lowest_pid) {
    std::string process = "/proc/" + std::to_string(pid);
    if (auto cgroup = platform::read_small(root / "proc" / std::to_string(pid) / "cgroup")) {
      if (names_any(*cgroup, known)) continue;
    }
    std::string comm;
    if (auto content = platform::read_small(root / "proc" / std::to_string(pid) / "comm")) {
      comm =
          accept_text(platform::trim(*content), kMaxNameLength, process + "/comm", list.warnings);
    }
    list.containers.push_back({link, comm.empty() ? link : comm, "", kStatusRunning,
                               kSourcePidNamespace, KernelIdentity{}});
  }
  return list;
}

}  // namespace hotsplice::openvz
