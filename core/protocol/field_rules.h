// The shapes a wire field may take, and readers that enforce them. Every name that reaches
// a file path or a log line from the peer passes one of these first.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/base/expected.h"
#include "core/base/json_reader.h"
#include "core/base/names.h"
#include "core/base/outside_text.h"

namespace hotsplice::protocol {

inline constexpr std::size_t kMaxIdLength = kMaxBundleIdLength;
using ::hotsplice::kMaxTokenLength;
inline constexpr std::size_t kMaxTextLength = 1024;
inline constexpr std::size_t kSha256HexLength = 64;

// Bundle and patch ids: the rule of core/base/names.h.
inline bool is_valid_id(std::string_view id) {
  return is_valid_bundle_id(id);
}
// Error codes: snake_case, [a-z][a-z0-9_]{0,63}.
bool is_valid_code(std::string_view code);
// Capabilities, container technologies: the rule of core/base/names.h.
using ::hotsplice::is_valid_token;
// Module names and display text: the rules of core/base/names.h.
using ::hotsplice::is_display_text;
using ::hotsplice::is_valid_module_name;

// Well-formed UTF-8: the rule of core/base/outside_text.h.
using ::hotsplice::is_valid_utf8;

// text itself when a peer accepts it as a display text field of max_length, otherwise
// to_display_text(text, max_length). For outgoing text that may come from anywhere.
std::string fit_display_text(std::string_view text, std::size_t max_length = kMaxTextLength);

// text made safe to send as a display text field: every control character and non-ASCII byte
// becomes '?', and it is cut to max_length. Used for error text that may quote peer bytes.
std::string to_display_text(std::string_view text, std::size_t max_length = kMaxTextLength);

// Readers: each fails with "missing_field" or "invalid_field" naming the field's path.
Expected<std::uint32_t> read_u32(const JsonObject& object, std::string_view key);
Expected<std::string> read_id(const JsonObject& object, std::string_view key);
Expected<std::string> read_sha256(const JsonObject& object, std::string_view key);
Expected<std::string> read_code(const JsonObject& object, std::string_view key);
Expected<std::string> read_token(const JsonObject& object, std::string_view key);
Expected<std::string> read_module_name(const JsonObject& object, std::string_view key);
Expected<std::string> read_text(const JsonObject& object, std::string_view key,
                                std::size_t max_length = kMaxTextLength);

}  // namespace hotsplice::protocol
