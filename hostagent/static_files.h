// The dashboard's static files, served from HttpConfig::dashboard_dir: "/" is index.html and
// "/static/<path>" a file under the directory. No directory listing, no way out of the
// directory (no "..", no symlink leading outside, percent-encoded or not), regular files
// only, each with its content type and a strict Content-Security-Policy (no inline script).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "hostagent/http_response.h"

namespace hotsplice::hostd {

// Larger files are not dashboard files.
inline constexpr std::size_t kMaxStaticFileBytes = 8 * 1024 * 1024;

inline constexpr char kDashboardCsp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'none'";

// The content type for a file name by its extension; application/octet-stream otherwise.
const char* content_type_for(std::string_view file_name);

// path: the request target's path ("/" or "/static/..."), still percent-encoded. 404
// not_found (JSON) for anything absent or refused; the refusal's reason is in the message.
HttpResponse serve_static(const std::filesystem::path& dashboard_dir, std::string_view path,
                          const HttpRequest& request);

// Decodes %XX escapes; nullopt for a malformed escape or an encoded NUL or '/'.
std::optional<std::string> percent_decode(std::string_view text);

}  // namespace hotsplice::hostd
