#include "integrations/openvz/pid_namespaces.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <charconv>
#include <map>
#include <optional>
#include <system_error>
#include <thread>

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

// The hostname of the UTS namespace that ns_uts (a /proc/<pid>/ns/uts link) names: procfs
// shows only the reader's own, so a short-lived thread joins that namespace and asks uname.
// A thread's UTS namespace is its own (setns(2) allows it in a threaded process) and ends
// with it. nullopt without CAP_SYS_ADMIN, for a process gone meanwhile, or in a recorded
// tree (its links lead nowhere).
std::optional<std::string> uts_hostname(const std::filesystem::path& ns_uts) {
  int fd = ::open(ns_uts.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::optional<std::string> hostname;
  std::thread([fd, &hostname] {
    utsname names{};
    if (::setns(fd, CLONE_NEWUTS) == 0 && ::uname(&names) == 0) hostname = names.nodename;
  }).join();
  ::close(fd);
  return hostname;
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
    std::string hostname;
    if (auto name = uts_hostname(root / "proc" / std::to_string(pid) / "ns/uts")) {
      hostname = accept_text(*name, kMaxNameLength, process + " hostname", list.warnings);
    }
    list.containers.push_back({link, comm.empty() ? link : comm, hostname, kStatusRunning,
                               kSourcePidNamespace, KernelIdentity{}});
  }
  return list;
}

}  // namespace hotsplice::openvz
