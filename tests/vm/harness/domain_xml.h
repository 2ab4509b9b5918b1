// The libvirt domain XML of a test guest, and the one thing the harness reads back from a
// live domain's XML: where libvirt put the Unix socket of each virtio channel.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "tests/vm/harness/guest_image.h"

namespace hotsplice::vm {

struct DomainSpec {
  std::string name;
  GuestImage image;
  std::string kernel_command_line;
  std::filesystem::path console_log;
  unsigned memory_mib = 256;
  // Without it the guest has only the test port: a guest the host agent cannot reach until
  // it hot-plugs the channel.
  bool agent_channel = true;
};

// A <domain type='qemu'> booting the image directly, with the serial console in a file and
// two <channel type='unix'><source mode='bind'/> virtio channels (agent and test ports)
// whose socket paths libvirt chooses.
std::string test_domain_xml(const DomainSpec& spec);

// Virtio channel target name -> socket path, for every unix channel that has a path in
// `xml` (a live domain's XML). A small scanner, not a general XML parser: it understands
// libvirt's own output, including either quote style and the predefined entities.
std::map<std::string, std::string> unix_channel_paths(std::string_view xml);

// Escapes text for an XML attribute or element.
std::string xml_escape(std::string_view text);

}  // namespace hotsplice::vm
