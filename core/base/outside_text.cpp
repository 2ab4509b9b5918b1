#include "core/base/outside_text.h"
#include "core/base/error_codes.h"

#include <cstdio>

namespace hotsplice {
namespace {

// Length of the well-formed UTF-8 sequence starting at text[at], or 0 when the bytes there
// do not start one.
std::size_t utf8_sequence_length(std::string_view text, std::size_t at) {
  auto lead = static_cast<unsigned char>(text[at]);
  if (lead < 0x80) return 1;
  // Allowed range of the second byte, narrowed for the lead bytes that would otherwise
  // permit overlong forms (E0, F0), surrogates (ED) or code points past U+10FFFF (F4).
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  std::size_t length = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (text.size() - at < length) return 0;
  auto second = static_cast<unsigned char>(text[at + 1]);
  if (second < low || second > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if ((static_cast<unsigned char>(text[at + k]) & 0xC0) != 0x80) return 0;
  }
  return length;
}

void append_escaped_byte(std::string& out, char byte) {
  char text[5];
  std::snprintf(text, sizeof text, "\\x%02x", static_cast<unsigned char>(byte));
  out += text;
}

bool is_control_sequence(std::string_view sequence, bool keep_line_breaks) {
  auto first = static_cast<unsigned char>(sequence[0]);
  if (sequence.size() == 1) {
    if (keep_line_breaks && (first == '\n' || first == '\t')) return false;
    return first < 0x20 || first == 0x7f;
  }
  // C1 controls U+0080..U+009F are encoded C2 80..C2 9F; terminals honour some (CSI = 9B).
  return sequence.size() == 2 && first == 0xC2 && static_cast<unsigned char>(sequence[1]) < 0xA0;
}

template <typename Escape>
std::string rewrite(std::string_view text, Escape escape) {
  std::string out;
  out.reserve(text.size());
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t length = utf8_sequence_length(text, at);
    if (length == 0) {
      append_escaped_byte(out, text[at]);
      ++at;
      continue;
    }
    std::string_view sequence = text.substr(at, length);
    if (escape(sequence)) {
      for (char byte : sequence) append_escaped_byte(out, byte);
    } else {
      out += sequence;
    }
    at += length;
  }
  return out;
}

Json with_valid_text(const Json& value) {
  if (value.is_string()) return escape_invalid_utf8(value.get_ref<const std::string&>());
  if (value.is_array()) {
    Json array = Json::array();
    for (const auto& item : value) array.push_back(with_valid_text(item));
    return array;
  }
  if (value.is_object()) {
    Json object = Json::object();
    for (const auto& item : value.items()) {
      object[escape_invalid_utf8(item.key())] = with_valid_text(item.value());
    }
    return object;
  }
  return value;
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  for (std::size_t at = 0; at < text.size();) {
    std::size_t length = utf8_sequence_length(text, at);
    if (length == 0) return false;
    at += length;
  }
  return true;
}

std::string escape_invalid_utf8(std::string_view text) {
  if (is_valid_utf8(text)) return std::string(text);
  return rewrite(text, [](std::string_view) { return false; });
}

std::string terminal_text(std::string_view text, bool keep_line_breaks) {
  return rewrite(text, [keep_line_breaks](std::string_view sequence) {
    return is_control_sequence(sequence, keep_line_breaks);
  });
}

Status require_valid_utf8(const Json& value, const std::string& path) {
  if (value.is_string()) {
    if (is_valid_utf8(value.get_ref<const std::string&>())) return Status::ok();
    return Error(errc::kInvalidField, path + ": not valid UTF-8 text");
  }
  if (value.is_array()) {
    for (std::size_t index = 0; index < value.size(); ++index) {
      Status item = require_valid_utf8(value[index], path + "[" + std::to_string(index) + "]");
      if (!item) return item;
    }
  }
  if (value.is_object()) {
    for (const auto& item : value.items()) {
      if (!is_valid_utf8(item.key())) {
        return Error(errc::kInvalidField, path + ": a key is not valid UTF-8 text");
      }
      Status member = require_valid_utf8(item.value(), path + "." + item.key());
      if (!member) return member;
    }
  }
  return Status::ok();
}

std::string dump_json(const Json& value, int indent) {
  try {
    return value.dump(indent);
  } catch (const Json::type_error&) {
    // Only invalid UTF-8 makes dump throw; rewriting is the slow path for hostile input.
    return with_valid_text(value).dump(indent);
  }
}

}  // namespace hotsplice
