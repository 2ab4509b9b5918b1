#include "integrations/openvz/vz_tool_output.h"

#include <string>

namespace hotsplice::openvz {
namespace {

// What every entry of either tool carries besides its id.
Container read_common(const Json& entry, std::string id, const std::string& where,
                      const char* source, std::vector<std::string>& warnings) {
  Container container;
  container.id = std::move(id);
  container.name = json_text(entry, "name", kMaxNameLength, where + ".name", warnings);
  if (container.name.empty()) container.name = container.id;
  container.hostname = json_text(entry, "hostname", kMaxNameLength, where + ".hostname", warnings);
  container.status =
      lower_case(json_text(entry, "status", kMaxNameLength, where + ".status", warnings));
  if (container.status.empty()) container.status = kStatusUnknown;
  container.source = source;
  return container;
}

std::string strip_braces(std::string text) {
  if (text.size() >= 2 && text.front() == '{' && text.back() == '}') {
    return text.substr(1, text.size() - 2);
  }
  return text;
}

}  // namespace

Expected<ContainerList> parse_vzlist_json(std::string_view text) {
  auto array = parse_json_array(text, "vzlist -a -j output");
  if (!array) return array.error();
  ContainerList list;
  for_each_object(*array, "vzlist", list, [&](const Json& entry, const std::string& where) {
    std::string id = json_text(entry, "ctid", kMaxIdLength, where + ".ctid", list.warnings);
    if (!is_container_id(id)) {
      list.warnings.push_back(where + ": no CTID or UUID in \"ctid\", skipped");
      return;
    }
    list.containers.push_back(read_common(entry, id, where, kSourceVzlist, list.warnings));
  });
  return list;
}

Expected<ContainerList> parse_prlctl_json(std::string_view text) {
  auto array = parse_json_array(text, "prlctl list -a -j output");
  if (!array) return array.error();
  ContainerList list;
  for_each_object(*array, "prlctl", list, [&](const Json& entry, const std::string& where) {
    std::string type = lower_case(json_text(entry, "type", 16, where + ".type", list.warnings));
    if (!type.empty() && type != "ct") return;  // a VM: its own kernel, not ours to cover
    std::string id =
        strip_braces(json_text(entry, "uuid", kMaxIdLength, where + ".uuid", list.warnings));
    if (!is_uuid(id)) {
      list.warnings.push_back(where + ": no UUID in \"uuid\", skipped");
      return;
    }
    list.containers.push_back(read_common(entry, id, where, kSourcePrlctl, list.warnings));
  });
  return list;
}

}  // namespace hotsplice::openvz
