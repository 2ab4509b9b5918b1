// The bearer token that guards the HTTP API's POST actions: one line in a root-only file
// (HttpConfig::token_file, default /etc/hotsplice/api-token). Read-only endpoints need none:
// they bind to loopback by default and say nothing a local user cannot learn otherwise.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/base/expected.h"

namespace hotsplice::hostd {

// Tokens are short text; a file bigger than this is not a token file.
inline constexpr std::size_t kMaxTokenBytes = 4096;
inline constexpr std::size_t kMinTokenBytes = 16;

// Reads the token (surrounding whitespace trimmed). Errors: token_file_unreadable (absent,
// unreadable, empty or too short), token_file_unsafe (readable or writable by group or others,
// or owned by another user than hostd's), each naming the file.
Expected<std::string> load_api_token(const std::filesystem::path& path);

// Compares without leaking where (or whether by length) the given token differs: both are
// hashed, and the digests compared in constant time.
bool token_matches(std::string_view expected, std::string_view given);

}  // namespace hotsplice::hostd
