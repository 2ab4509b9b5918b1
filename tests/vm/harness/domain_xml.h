// The libvirt domain XML of a test guest. Reading a live domain's XML back (channel socket
// paths) is integrations/kvm/domain_xml.h's job: the harness uses that reader.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "tests/vm/harness/guest_image.h"

namespace hotsplice::vm {

struct DomainSpec {
  std::string name;
  std::string uuid;  // empty: libvirt generates one
  GuestImage image;
  std::string kernel_command_line;
  std::filesystem::path console_log;
  unsigned memory_mib = 256;
  bool agent_channel = true;  // false: only the test channel, for hot-plug tests
  // The QEMU guest agent's channel (org.qemu.guest_agent.0), which libvirtd itself connects
  // to and `virsh qemu-agent-command` talks through: for bench/qga_delivery.
  bool qemu_guest_agent_channel = false;
};

// A <domain type='qemu'> booting the image directly, with the serial console in a file and
// <channel type='unix'><source mode='bind'/> virtio channels whose socket paths libvirt
// chooses: the test port, the agent port unless spec.agent_channel is false, and the QEMU
// guest agent's port when spec.qemu_guest_agent_channel is true.
std::string test_domain_xml(const DomainSpec& spec);

// Escapes text for an XML attribute or element.
std::string xml_escape(std::string_view text);

}  // namespace hotsplice::vm
