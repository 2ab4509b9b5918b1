#include "tests/vm/harness/domain_xml.h"

#include "tests/vm/harness/guest_shell.h"

namespace hotsplice::vm {

std::string xml_escape(std::string_view text) {
  std::string escaped;
  for (char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&apos;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

std::string test_domain_xml(const DomainSpec& spec) {
  auto channel = [](std::string_view port) {
    return "    <channel type='unix'><source mode='bind'/><target type='virtio' name='" +
           xml_escape(port) + "'/></channel>\n";
  };
  return "<domain type='qemu'>\n"
         "  <name>" +
         xml_escape(spec.name) + "</name>\n" +
         (spec.uuid.empty() ? std::string() : "  <uuid>" + xml_escape(spec.uuid) + "</uuid>\n") +
         "  <memory unit='MiB'>" + std::to_string(spec.memory_mib) +
         "</memory>\n"
         "  <vcpu>1</vcpu>\n"
         "  <os>\n"
         "    <type arch='x86_64' machine='pc'>hvm</type>\n"
         "    <kernel>" +
         xml_escape(spec.image.kernel.string()) +
         "</kernel>\n"
         "    <initrd>" +
         xml_escape(spec.image.initramfs.string()) +
         "</initrd>\n"
         "    <cmdline>" +
         xml_escape(spec.kernel_command_line) +
         "</cmdline>\n"
         "  </os>\n"
         // ACPI lets the guest power itself off at the end of its lifetime.
         "  <features><acpi/></features>\n"
         "  <on_poweroff>destroy</on_poweroff>\n"
         "  <on_reboot>destroy</on_reboot>\n"
         "  <on_crash>destroy</on_crash>\n"
         "  <devices>\n"
         "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
         "    <serial type='file'><source path='" +
         xml_escape(spec.console_log.string()) + "'/><target port='0'/></serial>\n" +
         (spec.agent_channel ? channel(kAgentPortName) : std::string()) + channel(kTestPortName) +
         (spec.qemu_guest_agent_channel ? channel(kQemuGuestAgentPortName) : std::string()) +
         "    <controller type='usb' model='none'/>\n"
         "    <memballoon model='none'/>\n"
         "  </devices>\n"
         "</domain>\n";
}

}  // namespace hotsplice::vm
