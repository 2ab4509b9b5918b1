#include "tests/vm/harness/domain_xml.h"

#include <optional>

#include "tests/vm/harness/guest_shell.h"

namespace hotsplice::vm {
namespace {

std::string xml_unescape(std::string_view text) {
  static const std::pair<std::string_view, char> kEntities[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
  std::string plain;
  for (std::size_t i = 0; i < text.size();) {
    bool replaced = false;
    for (const auto& [entity, character] : kEntities) {
      if (text.substr(i).starts_with(entity)) {
        plain += character;
        i += entity.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) plain += text[i++];
  }
  return plain;
}

// The start tag `<name ...>` (up to its '>') of the first `name` element in `xml`.
std::optional<std::string_view> start_tag(std::string_view xml, std::string_view name) {
  std::string opener = "<" + std::string(name);
  for (std::size_t at = xml.find(opener); at != std::string_view::npos;
       at = xml.find(opener, at + 1)) {
    std::size_t after = at + opener.size();
    if (after < xml.size() && xml[after] != ' ' && xml[after] != '/' && xml[after] != '>' &&
        xml[after] != '\n' && xml[after] != '\t') {
      continue;  // <channelx>, not <channel>
    }
    std::size_t end = xml.find('>', after);
    if (end == std::string_view::npos) return std::nullopt;
    return xml.substr(at, end - at + 1);
  }
  return std::nullopt;
}

std::optional<std::string> attribute(std::string_view tag, std::string_view name) {
  for (char quote : {'\'', '"'}) {
    std::string key = " " + std::string(name) + "=" + quote;
    std::size_t at = tag.find(key);
    if (at == std::string_view::npos) continue;
    std::size_t begin = at + key.size();
    std::size_t end = tag.find(quote, begin);
    if (end == std::string_view::npos) return std::nullopt;
    return xml_unescape(tag.substr(begin, end - begin));
  }
  return std::nullopt;
}

}  // namespace

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
         xml_escape(spec.name) +
         "</name>\n"
         "  <memory unit='MiB'>" +
         std::to_string(spec.memory_mib) +
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
         "    <controller type='usb' model='none'/>\n"
         "    <memballoon model='none'/>\n"
         "  </devices>\n"
         "</domain>\n";
}

std::map<std::string, std::string> unix_channel_paths(std::string_view xml) {
  std::map<std::string, std::string> paths;
  constexpr std::string_view kClose = "</channel>";
  for (auto channel = start_tag(xml, "channel"); channel; channel = start_tag(xml, "channel")) {
    std::size_t begin = static_cast<std::size_t>(channel->data() - xml.data());
    std::size_t end = xml.find(kClose, begin);
    if (end == std::string_view::npos) break;
    std::string_view body = xml.substr(begin, end - begin);
    xml.remove_prefix(end + kClose.size());
    if (attribute(*channel, "type") != "unix") continue;
    auto source = start_tag(body, "source");
    auto target = start_tag(body, "target");
    if (!source || !target) continue;
    auto path = attribute(*source, "path");
    auto name = attribute(*target, "name");
    if (path && name) paths[*name] = *path;
  }
  return paths;
}

}  // namespace hotsplice::vm
