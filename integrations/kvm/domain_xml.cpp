#include "integrations/kvm/domain_xml.h"

#include <algorithm>
#include <cctype>

#include "integrations/kvm/error_codes.h"
#include "integrations/kvm/libxml_document.h"

namespace hotsplice::kvm {
namespace {

Error invalid(const std::string& what) {
  return Error(errc::kDomainXmlInvalid, what);
}

// The one child element `name` of `parent`: nullptr when absent, an error when repeated.
Expected<const xmlNode*> optional_child(const xmlNode* parent, std::string_view name,
                                        std::string_view where) {
  auto children = xml_children(parent, name);
  if (children.size() > 1) {
    return invalid("more than one <" + std::string(name) + "> in " + std::string(where));
  }
  return children.empty() ? nullptr : children.front();
}

Expected<const xmlNode*> required_child(const xmlNode* parent, std::string_view name,
                                        std::string_view where) {
  auto child = optional_child(parent, name, where);
  if (child && *child == nullptr) {
    return invalid("no <" + std::string(name) + "> in " + std::string(where));
  }
  return child;
}

// libvirt writes UUIDs as 8-4-4-4-12 hex digits; hotsplice keys domains by the lowercase form.
Expected<std::string> canonical_uuid(const std::string& text) {
  bool valid = text.size() == 36;
  std::string lower;
  for (std::size_t i = 0; valid && i < text.size(); ++i) {
    char c = text[i];
    bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    valid = dash_position ? c == '-' : std::isxdigit(static_cast<unsigned char>(c)) != 0;
    lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  if (!valid) {
    return invalid("<uuid> '" + text.substr(0, 64) + "' is not of the form 8-4-4-4-12 hex digits");
  }
  return lower;
}

Expected<std::optional<int>> domain_id(const xmlNode* root) {
  auto text = xml_attribute(root, "id");
  if (!text) return std::optional<int>();
  bool digits = !text->empty() && text->size() <= 9 &&
                std::all_of(text->begin(), text->end(),
                            [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  if (!digits) {
    return invalid("<domain id='" + text->substr(0, 32) + "'> is not a non-negative integer");
  }
  return std::optional<int>(std::stoi(*text));
}

ChannelSourceType source_type_of(std::string_view name) {
  if (name == "unix") return ChannelSourceType::unix_socket;
  if (name == "pty") return ChannelSourceType::pty;
  return ChannelSourceType::other;
}

ChannelTargetType target_type_of(std::string_view name) {
  if (name == "virtio") return ChannelTargetType::virtio;
  if (name == "xen") return ChannelTargetType::xen;
  return ChannelTargetType::other;
}

Expected<ChannelInfo> parse_channel(const xmlNode* channel, std::size_t index) {
  std::string where = "channel #" + std::to_string(index + 1);
  ChannelInfo info;
  auto type = xml_attribute(channel, "type");
  if (!type || type->empty()) return invalid(where + " has no type attribute");
  info.source_type_name = *type;
  info.source_type = source_type_of(*type);

  auto source = optional_child(channel, "source", where);
  if (!source) return source.error();
  if (*source != nullptr) info.source_path = xml_attribute(*source, "path").value_or("");

  auto target = required_child(channel, "target", where);
  if (!target) return target.error();
  auto target_type = xml_attribute(*target, "type");
  if (!target_type || target_type->empty()) return invalid(where + " has a target without a type");
  info.target_type_name = *target_type;
  info.target_type = target_type_of(*target_type);
  info.target_name = xml_attribute(*target, "name").value_or("");
  if (!info.target_name.empty()) where += " (" + info.target_name.substr(0, 128) + ")";

  if (auto state = xml_attribute(*target, "state")) {
    if (*state == "connected") {
      info.state = ChannelState::connected;
    } else if (*state == "disconnected") {
      info.state = ChannelState::disconnected;
    } else {
      return invalid(where + " has target state '" + state->substr(0, 32) +
                     "' (expected connected or disconnected)");
    }
  }
  return info;
}

}  // namespace

Expected<DomainXml> parse_domain_xml(std::string_view xml) {
  auto doc = parse_xml_document(xml, kMaxDomainXmlBytes, errc::kDomainXmlTooLarge,
                                errc::kDomainXmlMalformed);
  if (!doc) return doc.error();
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (root == nullptr || root->ns != nullptr ||
      std::string_view(reinterpret_cast<const char*>(root->name)) != "domain") {
    std::string found = root == nullptr ? "nothing" : reinterpret_cast<const char*>(root->name);
    return invalid("the root element is <" + found.substr(0, 64) + ">, not <domain>");
  }

  DomainXml domain;
  auto hypervisor = xml_attribute(root, "type");
  if (!hypervisor || hypervisor->empty()) return invalid("<domain> has no type attribute");
  domain.hypervisor = *hypervisor;
  auto id = domain_id(root);
  if (!id) return id.error();
  domain.id = *id;

  auto name = required_child(root, "name", "<domain>");
  if (!name) return name.error();
  domain.name = xml_text(*name);
  if (domain.name.empty()) return invalid("<name> is empty");

  auto uuid = required_child(root, "uuid", "<domain>");
  if (!uuid) return uuid.error();
  auto canonical = canonical_uuid(xml_text(*uuid));
  if (!canonical) return canonical.error();
  domain.uuid = std::move(*canonical);

  auto devices = optional_child(root, "devices", "<domain>");
  if (!devices) return devices.error();
  if (*devices != nullptr) {
    auto channels = xml_children(*devices, "channel");
    for (std::size_t i = 0; i < channels.size(); ++i) {
      auto channel = parse_channel(channels[i], i);
      if (!channel) return channel.error().with_context("domain " + domain.name.substr(0, 128));
      domain.channels.push_back(std::move(*channel));
    }
  }
  return domain;
}

std::optional<ChannelInfo> find_agent_channel(const DomainXml& domain,
                                              std::string_view target_name) {
  for (const ChannelInfo& channel : domain.channels) {
    if (channel.target_name == target_name && channel.source_type != ChannelSourceType::other &&
        channel.target_type != ChannelTargetType::other) {
      return channel;
    }
  }
  return std::nullopt;
}

Expected<std::optional<ChannelInfo>> find_agent_channel(std::string_view xml,
                                                        std::string_view target_name) {
  auto domain = parse_domain_xml(xml);
  if (!domain) return domain.error();
  return find_agent_channel(*domain, target_name);
}

std::string_view to_string(ChannelSourceType type) {
  switch (type) {
    case ChannelSourceType::unix_socket:
      return "unix";
    case ChannelSourceType::pty:
      return "pty";
    case ChannelSourceType::other:
      break;
  }
  return "other";
}

std::string_view to_string(ChannelTargetType type) {
  switch (type) {
    case ChannelTargetType::virtio:
      return "virtio";
    case ChannelTargetType::xen:
      return "xen";
    case ChannelTargetType::other:
      break;
  }
  return "other";
}

std::string_view to_string(ChannelState state) {
  switch (state) {
    case ChannelState::connected:
      return "connected";
    case ChannelState::disconnected:
      return "disconnected";
    case ChannelState::absent:
      break;
  }
  return "absent";
}

}  // namespace hotsplice::kvm
