#include "integrations/kvm/channel_device.h"

#include <cctype>

#include "integrations/kvm/error_codes.h"
#include "integrations/kvm/libxml_document.h"

namespace hotsplice::kvm {

Status check_channel_name(std::string_view name) {
  constexpr std::size_t kMaxLength = 127;
  if (name.empty() || name.size() > kMaxLength) {
    return Error(errc::kChannelNameInvalid, "channel name must be 1 to " +
                                                std::to_string(kMaxLength) + " characters, not " +
                                                std::to_string(name.size()));
  }
  for (char c : name) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '.' && c != '_' && c != '-') {
      return Error(errc::kChannelNameInvalid,
                   "channel name may hold only letters, digits, '.', '_' and '-' (found byte " +
                       std::to_string(static_cast<unsigned char>(c)) + ")");
    }
  }
  return Status::ok();
}

Expected<std::string> agent_channel_device_xml(std::string_view channel_name) {
  if (Status ok = check_channel_name(channel_name); !ok) return ok.error();
  auto text = [](const char* s) { return reinterpret_cast<const xmlChar*>(s); };
  XmlDocument doc(xmlNewDoc(text("1.0")));
  xmlNode* channel = xmlNewNode(nullptr, text("channel"));
  xmlDocSetRootElement(doc.get(), channel);
  xmlSetProp(channel, text("type"), text("unix"));
  xmlNode* source = xmlNewChild(channel, nullptr, text("source"), nullptr);
  xmlSetProp(source, text("mode"), text("bind"));
  xmlNode* target = xmlNewChild(channel, nullptr, text("target"), nullptr);
  xmlSetProp(target, text("type"), text("virtio"));
  xmlSetProp(target, text("name"), text(std::string(channel_name).c_str()));
  return xml_serialize(channel);
}

}  // namespace hotsplice::kvm
