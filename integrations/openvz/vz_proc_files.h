// Containers of an OpenVZ/Virtuozzo node from its files, for nodes without vzlist/prlctl
// (or when they fail): /proc/vz/veinfo lists the running containers, /etc/vz/conf/<id>.conf
// every configured one. Parsers are pure functions over text; the reader takes a root
// directory so tests use recorded trees (tests/fixtures/openvz).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "integrations/openvz/container.h"

namespace hotsplice::openvz {

// /proc/vz/veinfo: one running container a line, "<id> <class> <nproc> [<ip>...]", id a
// decimal CTID (OpenVZ) or a UUID (Virtuozzo 7). Id 0 is the node itself and is left out.
// A line that does not have that form is skipped with a warning naming its number.
ContainerList parse_veinfo(std::string_view text);

// A shell-style variables file (/etc/vz/conf/*.conf): KEY="value", KEY='value' or
// KEY=value, '#' comments and blank lines. Other lines are skipped with a warning naming
// what and the line number; a repeated key keeps its last value, as the shell would.
std::map<std::string, std::string> parse_shell_variables(std::string_view text,
                                                         std::string_view what,
                                                         std::vector<std::string>& warnings);

// Every <id>.conf under root/etc/vz/conf (not 0.conf, the node's own, nor samples) merged
// with root/proc/vz/veinfo: status "running" when veinfo lists the id, "stopped" when it
// does not; hostname from HOSTNAME, name from NAME (the id when unset). Containers only
// veinfo lists are added with source "veinfo". Missing directories or files list nothing.
ContainerList read_openvz_files(const std::filesystem::path& root);

}  // namespace hotsplice::openvz
