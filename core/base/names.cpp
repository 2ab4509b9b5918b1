#include "core/base/names.h"

#include <algorithm>

namespace hotsplice {
namespace {

bool is_ascii_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

bool is_valid_bundle_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxBundleIdLength || id.front() == '.') return false;
  return std::all_of(id.begin(), id.end(),
                     [](char c) { return is_ascii_alnum(c) || c == '.' || c == '_' || c == '-'; });
}

bool is_valid_module_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxModuleNameLength) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return is_ascii_alnum(c) || c == '_'; });
}

bool is_valid_token(std::string_view token) {
  if (token.empty() || token.size() > kMaxTokenLength) return false;
  return std::all_of(token.begin(), token.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
  });
}

bool is_display_text(std::string_view text) {
  return std::none_of(text.begin(), text.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return (byte < 0x20 && c != '\t' && c != '\n') || byte == 0x7f;
  });
}

}  // namespace hotsplice
