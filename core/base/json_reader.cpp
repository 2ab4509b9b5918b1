#include "core/base/json_reader.h"

#include <optional>
#include <set>
#include <vector>

#include "core/base/error_codes.h"
#include "core/base/outside_text.h"

namespace hotsplice {
namespace {

// Nesting depth of JSON text, counted outside string literals. Checked before parsing so
// hostile input ("[[[[...") never drives the parser or the destructor into deep recursion.
int max_nesting(std::string_view text) {
  int depth = 0;
  int deepest = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return deepest;
}

const char* type_name(const Json& value) {
  return value.type_name();
}

}  // namespace

Expected<Json> parse_json(std::string_view text, std::string_view what, int max_depth) {
  if (max_nesting(text) > max_depth) {
    return Error(errc::kInvalidJson, std::string(what) + ": nested deeper than " +
                                         std::to_string(max_depth) + " levels");
  }
  // Object keys seen so far, one set per open object. A key given twice would otherwise
  // leave the last value: a signed document must mean one thing to every reader.
  std::vector<std::set<std::string>> open_objects;
  std::optional<std::string> duplicate;
  auto refuse_duplicates = [&](int, Json::parse_event_t event, Json& parsed) {
    if (event == Json::parse_event_t::object_start) {
      open_objects.emplace_back();
    } else if (event == Json::parse_event_t::object_end && !open_objects.empty()) {
      open_objects.pop_back();
    } else if (event == Json::parse_event_t::key && !open_objects.empty() && !duplicate) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!open_objects.back().insert(key).second) duplicate = key;
    }
    return true;
  };
  Json value;
  try {
    value = Json::parse(text.begin(), text.end(), refuse_duplicates);
  } catch (const Json::exception& error) {
    // The parser quotes the bytes it stopped at, which may be anything.
    return Error(errc::kInvalidJson, std::string(what) + ": " + escape_invalid_utf8(error.what()));
  }
  if (duplicate) {
    return Error(errc::kInvalidJson, std::string(what) + ": key \"" +
                                         escape_invalid_utf8(*duplicate) + "\" given twice");
  }
  return value;
}

Expected<JsonObject> JsonObject::from(const Json& value, std::string path) {
  if (!value.is_object()) {
    return Error(errc::kInvalidField, path + ": expected an object, found " + type_name(value));
  }
  return JsonObject(value, std::move(path));
}

bool JsonObject::has(std::string_view key) const {
  return value_->contains(key);
}

std::string JsonObject::field_path(std::string_view key) const {
  return path_ + "." + std::string(key);
}

Error JsonObject::invalid(std::string_view key, std::string_view why) const {
  return Error(errc::kInvalidField, field_path(key) + ": " + std::string(why));
}

Status JsonObject::only_fields(std::initializer_list<std::string_view> known) const {
  for (const auto& item : value_->items()) {
    bool is_known = false;
    for (auto name : known) is_known = is_known || item.key() == name;
    if (!is_known) return Error(errc::kUnknownField, field_path(item.key()) + ": unknown field");
  }
  return Status::ok();
}

Expected<const Json*> JsonObject::field(std::string_view key) const {
  auto found = value_->find(key);
  if (found == value_->end()) return Error(errc::kMissingField, field_path(key) + ": missing");
  return &*found;
}

Expected<std::string> JsonObject::string(std::string_view key, std::size_t max_length) const {
  auto value = field(key);
  if (!value) return value.error();
  if (!(*value)->is_string()) {
    return invalid(key, std::string("expected a string, found ") + type_name(**value));
  }
  const auto& text = (*value)->get_ref<const std::string&>();
  if (text.size() > max_length) {
    return invalid(key, "longer than " + std::to_string(max_length) + " bytes");
  }
  return text;
}

Expected<std::string> JsonObject::string_of_form(std::string_view key, std::size_t max_length,
                                                 bool (*rule)(std::string_view),
                                                 std::string_view expected_form) const {
  auto text = string(key, max_length);
  if (!text) return text.error();
  if (!rule(*text)) return invalid(key, "expected " + std::string(expected_form));
  return text;
}

Expected<std::uint64_t> JsonObject::unsigned_integer(std::string_view key,
                                                     std::uint64_t max_value) const {
  auto value = field(key);
  if (!value) return value.error();
  // JSON text "4" parses as unsigned, but Json{{"id", 4}} built in C++ holds a signed 4:
  // both are the same non-negative integer.
  bool non_negative = (*value)->is_number_unsigned() ||
                      ((*value)->is_number_integer() && (*value)->get<std::int64_t>() >= 0);
  if (!non_negative) {
    return invalid(key, std::string("expected a non-negative integer, found ") +
                            ((*value)->is_number() ? "another number" : type_name(**value)));
  }
  auto number = (*value)->get<std::uint64_t>();
  if (number > max_value) return invalid(key, "larger than " + std::to_string(max_value));
  return number;
}

Expected<bool> JsonObject::boolean(std::string_view key) const {
  auto value = field(key);
  if (!value) return value.error();
  if (!(*value)->is_boolean()) {
    return invalid(key, std::string("expected a boolean, found ") + type_name(**value));
  }
  return (*value)->get<bool>();
}

Expected<JsonObject> JsonObject::object(std::string_view key) const {
  auto value = field(key);
  if (!value) return value.error();
  return JsonObject::from(**value, field_path(key));
}

Status JsonObject::each_array_item(
    std::string_view key, std::size_t max_items,
    const std::function<Status(const Json& item, const std::string& path)>& read_item) const {
  auto value = field(key);
  if (!value) return value.error();
  if (!(*value)->is_array()) {
    return invalid(key, std::string("expected an array, found ") + type_name(**value));
  }
  if ((*value)->size() > max_items) {
    return invalid(key, "more than " + std::to_string(max_items) + " items");
  }
  std::size_t index = 0;
  for (const Json& item : **value) {
    Status status = read_item(item, field_path(key) + "[" + std::to_string(index++) + "]");
    if (!status) return status;
  }
  return Status::ok();
}

Expected<std::vector<std::string>> JsonObject::string_array(std::string_view key,
                                                            std::size_t max_items,
                                                            std::size_t max_length) const {
  std::vector<std::string> items;
  Status status = each_array_item(key, max_items, [&](const Json& item, const std::string& path) {
    if (!item.is_string()) {
      return Status(Error(errc::kInvalidField,
                          path + ": expected a string, found " + std::string(type_name(item))));
    }
    if (item.get_ref<const std::string&>().size() > max_length) {
      return Status(Error(errc::kInvalidField,
                          path + ": longer than " + std::to_string(max_length) + " bytes"));
    }
    items.push_back(item.get<std::string>());
    return Status::ok();
  });
  if (!status) return status.error();
  return items;
}

}  // namespace hotsplice
