#include "core/protocol/field_rules.h"

#include <algorithm>

#include "core/base/hex.h"

namespace hotsplice::protocol {
namespace {

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

}  // namespace

bool is_valid_code(std::string_view code) {
  if (code.empty() || code.size() > kMaxTokenLength ||
      !(code.front() >= 'a' && code.front() <= 'z')) {
    return false;
  }
  return std::all_of(code.begin(), code.end(),
                     [](char c) { return is_lower_alnum(c) || c == '_'; });
}

std::string fit_display_text(std::string_view text, std::size_t max_length) {
  if (text.size() <= max_length && is_display_text(text) && is_valid_utf8(text)) {
    return std::string(text);
  }
  return to_display_text(text, max_length);
}

std::string to_display_text(std::string_view text, std::size_t max_length) {
  std::string safe(text.substr(0, max_length));
  for (char& c : safe) {
    auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\t' && c != '\n') || byte >= 0x7f) c = '?';
  }
  return safe;
}

Expected<std::uint32_t> read_u32(const JsonObject& object, std::string_view key) {
  auto value = object.unsigned_integer(key, UINT32_MAX);
  if (!value) return value.error();
  return static_cast<std::uint32_t>(*value);
}

Expected<std::string> read_id(const JsonObject& object, std::string_view key) {
  return object.string_of_form(
      key, kMaxIdLength, is_valid_id,
      "an id of 1-64 characters from [A-Za-z0-9._-], not starting with '.'");
}

Expected<std::string> read_sha256(const JsonObject& object, std::string_view key) {
  return object.string_of_form(
      key, kSha256HexLength,
      [](std::string_view text) { return is_lower_hex(text, kSha256HexLength); },
      "a SHA-256 digest as 64 lower-case hex digits");
}

Expected<std::string> read_code(const JsonObject& object, std::string_view key) {
  return object.string_of_form(key, kMaxTokenLength, is_valid_code,
                               "a snake_case code of at most 64 characters");
}

Expected<std::string> read_token(const JsonObject& object, std::string_view key) {
  return object.string_of_form(key, kMaxTokenLength, is_valid_token,
                               "1-64 characters from [a-z0-9._-]");
}

Expected<std::string> read_module_name(const JsonObject& object, std::string_view key) {
  return object.string_of_form(key, kMaxModuleNameLength, is_valid_module_name,
                               "a kernel module name of 1-55 characters from [A-Za-z0-9_-]");
}

Expected<std::string> read_text(const JsonObject& object, std::string_view key,
                                std::size_t max_length) {
  auto text = object.string(key, max_length);
  if (!text) return text.error();
  if (!is_display_text(*text)) return object.invalid(key, "contains control characters");
  return text;
}

}  // namespace hotsplice::protocol
