#include "integrations/openvz/container_inventory.h"

#include <unistd.h>

#include <cstdlib>
#include <optional>
#include <string_view>

#include "core/base/subprocess.h"
#include "core/kernel/kernel_identity_reader.h"
#include "core/platform/tree_reading.h"
#include "integrations/openvz/container_api.h"
#include "integrations/openvz/lxc_config.h"
#include "integrations/openvz/machined.h"
#include "integrations/openvz/pid_namespaces.h"
#include "integrations/openvz/vz_proc_files.h"
#include "integrations/openvz/vz_tool_output.h"

namespace hotsplice::openvz {
namespace {

bool on_path(std::string_view program) {
  const char* path = std::getenv("PATH");
  std::string_view directories = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin";
  while (!directories.empty()) {
    std::size_t colon = directories.find(':');
    std::filesystem::path candidate = std::filesystem::path(directories.substr(0, colon)) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return true;
    if (colon == std::string_view::npos) break;
    directories.remove_prefix(colon + 1);
  }
  return false;
}

// prlctl on Virtuozzo 7, vzlist on OpenVZ (Virtuozzo 7 has both; prlctl also knows
// the containers' UUIDs and names).
std::optional<Expected<ContainerList>> run_vz_tool() {
  struct Tool {
    const char* program;
    std::vector<std::string> argv;
    Expected<ContainerList> (*parse)(std::string_view);
  };
  const Tool tools[] = {
      {"prlctl", {"prlctl", "list", "-a", "-j", "--vmtype", "ct"}, parse_prlctl_json},
      {"vzlist", {"vzlist", "-a", "-j"}, parse_vzlist_json}};
  for (const auto& tool : tools) {
    if (!on_path(tool.program)) continue;
    SubprocessSpec spec(tool.argv);
    spec.max_captured_bytes = kMaxListBytes;
    auto result = run_checked(spec);
    if (!result) return Expected<ContainerList>(result.error());
    return tool.parse(result->output);
  }
  return std::nullopt;
}

ContainerList openvz_containers(const InventoryOptions& options) {
  if (options.run_tools) {
    if (auto listed = run_vz_tool()) {
      if (*listed) return std::move(listed->value());
      ContainerList fallback = read_openvz_files(options.root);
      fallback.warnings.insert(fallback.warnings.begin(),
                               listed->error().message() + " [" + listed->error().code() +
                                   "]; listed from /proc/vz/veinfo and /etc/vz/conf instead");
      return fallback;
    }
  }
  return read_openvz_files(options.root);
}

// lxc-ls knows the runtime state of every container in its lxcpath; the configs under
// /var/lib/lxc add hostnames (and are the whole list when lxc-ls is absent or fails).
ContainerList lxc_containers(const InventoryOptions& options) {
  ContainerList from_configs = read_lxc_containers(options.root);
  if (!options.run_tools || !on_path("lxc-ls")) return from_configs;
  SubprocessSpec spec(
      std::vector<std::string>(std::begin(kLxcLsArguments), std::end(kLxcLsArguments)));
  spec.max_captured_bytes = kMaxListBytes;
  auto result = run_checked(spec);
  auto listed = result ? parse_lxc_ls(result->output) : Expected<ContainerList>(result.error());
  if (!listed) {
    from_configs.warnings.insert(from_configs.warnings.begin(),
                                 "lxc-ls: " + listed.error().message() + " [" +
                                     listed.error().code() + "]; listed from /var/lib/lxc");
    return from_configs;
  }
  for (auto& container : listed->containers) {
    for (const auto& configured : from_configs.containers) {
      if (configured.id == container.id) container.hostname = configured.hostname;
    }
  }
  for (auto& configured : from_configs.containers) {
    bool listed_already = false;
    for (const auto& container : listed->containers) {
      listed_already = listed_already || container.id == configured.id;
    }
    if (!listed_already) listed->containers.push_back(std::move(configured));
  }
  listed->warnings.insert(listed->warnings.end(), from_configs.warnings.begin(),
                          from_configs.warnings.end());
  return std::move(*listed);
}

ContainerList api_containers(const InventoryOptions& options) {
  ContainerList list;
  if (!options.query_apis) return list;
  const std::pair<const char*, const char*> sockets[] = {{"run/docker.sock", kSourceDocker},
                                                         {"run/podman/podman.sock", kSourcePodman}};
  for (const auto& [relative, source] : sockets) {
    std::filesystem::path socket = options.root / relative;
    if (!platform::path_exists(socket)) continue;
    auto answer = query_container_api(socket, options.api_timeout);
    auto parsed = answer ? parse_container_api_list(*answer, source)
                         : Expected<ContainerList>(answer.error());
    if (!parsed) {
      list.warnings.push_back(std::string(source) + ": " + parsed.error().message() + " [" +
                              parsed.error().code() + "]");
      continue;
    }
    list.append(std::move(*parsed));
  }
  return list;
}

}  // namespace

Expected<ContainerList> enumerate_containers(const InventoryOptions& options) {
  auto kernel = read_kernel_identity(options.root);
  if (!kernel) return kernel.error().with_context("the host kernel, which every container runs on");
  ContainerList list = openvz_containers(options);
  list.append(lxc_containers(options));
  list.append(read_machined_containers(options.root));
  list.append(api_containers(options));
  auto others = find_pid_namespace_containers(options.root, list.containers);
  if (others) {
    list.append(std::move(*others));
  } else {
    list.warnings.push_back("PID namespaces: " + others.error().message());
  }
  for (auto& container : list.containers) container.kernel = *kernel;
  return list;
}

}  // namespace hotsplice::openvz
