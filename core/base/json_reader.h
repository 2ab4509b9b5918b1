// Strict reading of JSON that came from outside (manifests, wire messages, state files).
// parse_json bounds nesting before parsing; JsonObject reads typed fields and turns every
// problem into an Error naming the field's path, e.g. "manifest.target.release: missing".
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/expected.h"

namespace hotsplice {

using Json = nlohmann::json;

// Parses text as one JSON value. Fails with "invalid_json" on a syntax error, on nesting
// deeper than max_depth, on a key that appears twice in one object, or on bytes after the
// value.
Expected<Json> parse_json(std::string_view text, std::string_view what, int max_depth = 16);

class JsonObject {
 public:
  // Fails with "invalid_field" when value is not an object. path names it in errors.
  static Expected<JsonObject> from(const Json& value, std::string path);

  const std::string& path() const { return path_; }
  bool has(std::string_view key) const;

  // Each getter fails with "missing_field" when the key is absent and "invalid_field"
  // when its value has the wrong type or breaks the stated bound.
  Expected<std::string> string(std::string_view key, std::size_t max_length) const;
  // A string that must also satisfy rule; "invalid_field: expected <expected_form>" if not.
  Expected<std::string> string_of_form(std::string_view key, std::size_t max_length,
                                       bool (*rule)(std::string_view),
                                       std::string_view expected_form) const;
  Expected<std::uint64_t> unsigned_integer(std::string_view key,
                                           std::uint64_t max_value = UINT64_MAX) const;
  Expected<bool> boolean(std::string_view key) const;
  Expected<JsonObject> object(std::string_view key) const;
  // An array of at most max_items elements; each element is handed to read_item with its path.
  Expected<std::vector<std::string>> string_array(std::string_view key, std::size_t max_items,
                                                  std::size_t max_length) const;
  Status each_array_item(
      std::string_view key, std::size_t max_items,
      const std::function<Status(const Json& item, const std::string& path)>& read_item) const;

  // Fails with "unknown_field" naming the first key not in known. For formats where an
  // unexpected field means a newer writer or a hand edit, and guessing would be wrong.
  Status only_fields(std::initializer_list<std::string_view> known) const;

  // The error for a field whose value is present but unacceptable.
  Error invalid(std::string_view key, std::string_view why) const;

 private:
  JsonObject(const Json& value, std::string path) : value_(&value), path_(std::move(path)) {}
  Expected<const Json*> field(std::string_view key) const;
  std::string field_path(std::string_view key) const;

  const Json* value_;
  std::string path_;
};

}  // namespace hotsplice
