// Text that came from outside (kernel images, manifests, object files, command-line options,
// guests) on its way to a terminal or into JSON. Such text may hold any bytes: invalid UTF-8
// makes nlohmann::json's dump throw (type_error 316), and ESC/OSC sequences printed raw
// would drive the operator's terminal. Every printer and every JSON writer of outside text
// goes through one of these functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/base/json_reader.h"

namespace hotsplice {

// Whether text is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF): the JSON layer refuses anything else.
bool is_valid_utf8(std::string_view text);

// text with every byte that is not part of a well-formed UTF-8 sequence written as \xNN.
// Valid text is returned unchanged. For JSON output: nlohmann escapes control characters
// itself, but cannot write invalid UTF-8.
std::string escape_invalid_utf8(std::string_view text);

// text safe to print on a terminal: invalid UTF-8 bytes, C0 control characters, DEL and
// C1 control characters (U+0080..U+009F) written as \xNN (each byte of their encoding).
// With keep_line_breaks, '\n' and '\t' pass through (multi-line descriptions).
std::string terminal_text(std::string_view text, bool keep_line_breaks = false);

// value.dump(indent), with every string and object key that is not valid UTF-8 passed
// through escape_invalid_utf8 first, so writing JSON never throws on outside text.
std::string dump_json(const Json& value, int indent = -1);

// Fails with "invalid_field" naming the first string (by its path under path, e.g.
// "manifest.description") or object key in value that is not valid UTF-8. For documents
// that will be signed or stored, where an escaped copy would silently differ from what the
// operator gave.
Status require_valid_utf8(const Json& value, const std::string& path);

}  // namespace hotsplice
