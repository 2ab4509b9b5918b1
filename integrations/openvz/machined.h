// systemd-nspawn (and any other container registered with systemd-machined): the state files
// machined keeps under /run/systemd/machines/<name>, the ones libsystemd's sd_machine_*()
// calls read (KEY=VALUE lines: NAME, CLASS, SCOPE, LEADER, ROOT, STATE, ...). Read under a
// root directory so tests use recorded trees; libsystemd's own calls cannot take one.
#pragma once

#include <filesystem>
#include <string_view>

#include "integrations/openvz/container.h"

namespace hotsplice::openvz {

// One machine's state file. Only CLASS=container is a container on this kernel: machined also
// registers VMs (CLASS=vm: libvirt, qemu), which run their own kernel and are skipped (no
// warning). A file without NAME (or a NAME that is not display text), or with lines that are
// not KEY=VALUE, yields a warning naming `what` and its line; status is STATE ("running",
// "opening", "closing") or "running" when absent (machined lists running machines only).
ContainerList parse_machined_state(std::string_view text, std::string_view what);

// Every file in root/run/systemd/machines (the "unit:" and "timestamp" links machined also
// keeps there are skipped: they are symlinks); source kSourceMachined. A missing directory
// lists nothing.
ContainerList read_machined_containers(const std::filesystem::path& root);

}  // namespace hotsplice::openvz
