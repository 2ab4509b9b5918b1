// LXC containers from their configuration: root/var/lib/lxc/<name>/config, the default
// lxcpath of lxc-create and lxc-ls. Pure parsing of one config, and a reader over a root.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/base/expected.h"
#include "integrations/openvz/container.h"

namespace hotsplice::openvz {

// The hostname in an LXC config: "lxc.uts.name = host" (LXC 3+) or "lxc.utsname" (LXC 2),
// the last one set; "" when neither is. Lines that are neither "key = value", comments
// nor blank are warnings naming what and their number.
std::string parse_lxc_hostname(std::string_view config, std::string_view what,
                               std::vector<std::string>& warnings);

// One container per directory under root/var/lib/lxc holding a config file; id and name
// are the directory name. Status "running" when its cgroup exists
// (root/sys/fs/cgroup/lxc.payload.<name> for LXC 4+ or root/sys/fs/cgroup/lxc/<name>),
// "stopped" otherwise. A missing lxc directory lists nothing.
ContainerList read_lxc_containers(const std::filesystem::path& root);

// The arguments lxc-ls is run with: a table of each container's name and state.
inline constexpr const char* kLxcLsArguments[] = {"lxc-ls", "--fancy", "--fancy-format",
                                                  "NAME,STATE"};

// Parses `lxc-ls --fancy --fancy-format NAME,STATE`: a header line "NAME STATE" then one
// "<name> <STATE>" row per container (RUNNING, STOPPED, FROZEN, ...; status is its lower
// case). Rows with fewer than two columns or an unusable name are warnings; output without
// that header is "container_list_malformed".
Expected<ContainerList> parse_lxc_ls(std::string_view text);

}  // namespace hotsplice::openvz
