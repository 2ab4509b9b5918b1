// One container as the host sees it, from whichever source listed it, and the list every
// enumerator returns: the containers it could read and a warning for each entry it skipped
// or field it dropped (a malformed line never stops the others from being listed).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/json_reader.h"
#include "core/kernel/kernel_identity.h"

namespace hotsplice::openvz {

// Where a container was found; also its Container::source.
inline constexpr char kSourceVzlist[] = "vzlist";               // vzlist -a -j
inline constexpr char kSourcePrlctl[] = "prlctl";               // prlctl list -a -j
inline constexpr char kSourceVeinfo[] = "veinfo";               // /proc/vz/veinfo
inline constexpr char kSourceVzConf[] = "vz_conf";              // /etc/vz/conf/<id>.conf
inline constexpr char kSourceLxc[] = "lxc";                     // /var/lib/lxc/<name>/config
inline constexpr char kSourceDocker[] = "docker";               // Docker API /containers/json
inline constexpr char kSourcePodman[] = "podman";               // Podman's Docker-compatible API
inline constexpr char kSourceMachined[] = "machined";           // /run/systemd/machines/<name>
inline constexpr char kSourcePidNamespace[] = "pid_namespace";  // /proc/<pid>/ns/pid

inline constexpr char kStatusRunning[] = "running";
inline constexpr char kStatusStopped[] = "stopped";
inline constexpr char kStatusUnknown[] = "unknown";

inline constexpr std::size_t kMaxIdLength = 128;
inline constexpr std::size_t kMaxNameLength = 255;  // hostnames are at most 253
// Tool output and API answers larger than this are refused, not read without limit.
inline constexpr std::size_t kMaxListBytes = std::size_t{16} << 20;

struct Container {
  std::string id;        // the source's id: CTID, UUID, Docker id, LXC name, "pid:[N]"
  std::string name;      // the source's name; the id when it has none
  std::string hostname;  // empty when the source does not say
  std::string status;    // lower case as the source says it ("running", "exited", ...)
  std::string source;    // one of the kSource* names
  // The kernel it runs on: always the host's (enumerate_containers fills it). What the
  // container's `uname -r` claims is never read: OpenVZ's osrelease setting can spoof it.
  KernelIdentity kernel;
};

struct ContainerList {
  std::vector<Container> containers;
  std::vector<std::string> warnings;  // one line per skipped entry or dropped field

  void append(ContainerList other);
};

// Outside text (names, hostnames, ids) accepted only when it is display text of at most
// max_length bytes; otherwise empty, with a warning naming what (terminal-safe).
std::string accept_text(std::string_view value, std::size_t max_length, std::string_view what,
                        std::vector<std::string>& warnings);

// The string at object[key], or "" when absent, null or not a string/number (numbers are
// written in decimal: vzlist prints numeric CTIDs). A value of another type is a warning.
std::string json_text(const Json& object, std::string_view key, std::size_t max_length,
                      std::string_view what, std::vector<std::string>& warnings);

// Parses a tool's or API's JSON answer that must be an array, checking the size bound.
// "container_list_malformed" naming what otherwise.
Expected<Json> parse_json_array(std::string_view text, std::string_view what);

// Calls read_entry(entry, where) for each object in array, where naming it ("<label>
// entry 3"); any other element is a warning "<where>: not an object, skipped".
void for_each_object(const Json& array, std::string_view label, ContainerList& list,
                     const std::function<void(const Json&, const std::string&)>& read_entry);

// Lower-cased copy (statuses are compared in lower case).
std::string lower_case(std::string_view text);

// Whether text is a CTID (decimal, at most 10 digits) or a UUID (8-4-4-4-12 hex digits).
bool is_container_id(std::string_view text);
// Whether text is a UUID: 8-4-4-4-12 hexadecimal digits.
bool is_uuid(std::string_view text);

}  // namespace hotsplice::openvz
