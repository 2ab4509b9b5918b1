#include "integrations/openvz/container.h"

#include <cctype>

#include "core/base/names.h"
#include "core/base/outside_text.h"
#include "integrations/openvz/error_codes.h"

namespace hotsplice::openvz {

void ContainerList::append(ContainerList other) {
  for (auto& container : other.containers) containers.push_back(std::move(container));
  for (auto& warning : other.warnings) warnings.push_back(std::move(warning));
}

std::string accept_text(std::string_view value, std::size_t max_length, std::string_view what,
                        std::vector<std::string>& warnings) {
  if (value.size() > max_length) {
    warnings.push_back(std::string(what) + ": longer than " + std::to_string(max_length) +
                       " bytes, dropped");
    return "";
  }
  if (!is_valid_utf8(value) || !is_display_text(value) ||
      value.find_first_of("\n\t") != std::string_view::npos) {
    warnings.push_back(std::string(what) + ": not printable text (\"" + terminal_text(value) +
                       "\"), dropped");
    return "";
  }
  return std::string(value);
}

std::string json_text(const Json& object, std::string_view key, std::size_t max_length,
                      std::string_view what, std::vector<std::string>& warnings) {
  auto found = object.find(key);
  if (found == object.end() || found->is_null()) return "";
  if (found->is_string()) {
    return accept_text(found->get_ref<const std::string&>(), max_length, what, warnings);
  }
  if (found->is_number_unsigned()) return std::to_string(found->get<std::uint64_t>());
  warnings.push_back(std::string(what) + ": expected a string, found " + found->type_name() +
                     ", dropped");
  return "";
}

Expected<Json> parse_json_array(std::string_view text, std::string_view what) {
  if (text.size() > kMaxListBytes) {
    return Error(errc::kContainerListMalformed, std::string(what) + ": answer larger than " +
                                                    std::to_string(kMaxListBytes) + " bytes");
  }
  auto json = parse_json(text, what);
  if (!json) return Error(errc::kContainerListMalformed, json.error().message());
  if (!json->is_array()) {
    return Error(errc::kContainerListMalformed,
                 std::string(what) + ": expected a JSON array, found " + json->type_name());
  }
  return std::move(*json);
}

void for_each_object(const Json& array, std::string_view label, ContainerList& list,
                     const std::function<void(const Json&, const std::string&)>& read_entry) {
  for (std::size_t i = 0; i < array.size(); ++i) {
    std::string where = std::string(label) + " entry " + std::to_string(i);
    if (!array[i].is_object()) {
      list.warnings.push_back(where + ": not an object, skipped");
      continue;
    }
    read_entry(array[i], where);
  }
}

std::string lower_case(std::string_view text) {
  std::string lowered(text);
  for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lowered;
}

bool is_uuid(std::string_view text) {
  auto all_hex = [](std::string_view part) {
    for (char c : part) {
      if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    }
    return true;
  };
  if (text.size() != 36) return false;
  for (std::size_t dash : {8, 13, 18, 23}) {
    if (text[dash] != '-') return false;
  }
  return all_hex(text.substr(0, 8)) && all_hex(text.substr(9, 4)) && all_hex(text.substr(14, 4)) &&
         all_hex(text.substr(19, 4)) && all_hex(text.substr(24));
}

bool is_container_id(std::string_view text) {
  bool ctid = !text.empty() && text.size() <= 10 &&
              text.find_first_not_of("0123456789") == std::string_view::npos;
  return ctid || is_uuid(text);
}

}  // namespace hotsplice::openvz
