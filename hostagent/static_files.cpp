#include "hostagent/static_files.h"

#include <algorithm>
#include <boost/beast/http/field.hpp>
#include <optional>

#include "core/base/file_io.h"
#include "hostagent/error_codes.h"

namespace hotsplice::hostd {
namespace {

namespace http = boost::beast::http;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

HttpResponse not_found(const HttpRequest& request, const std::string& why) {
  return error_response(request, HttpStatus::not_found, Error(errc::kHttpNotFound, why));
}

// The file's path relative to the dashboard directory, or nullopt when it is not a plain
// relative path of named segments.
std::optional<std::filesystem::path> safe_relative(std::string_view decoded) {
  std::filesystem::path out;
  std::size_t start = 0;
  while (start <= decoded.size()) {
    auto end = decoded.find('/', start);
    if (end == std::string_view::npos) end = decoded.size();
    std::string_view segment = decoded.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == ".." ||
        segment.find('\\') != std::string_view::npos || segment.front() == '.') {
      return std::nullopt;  // also hides dot files
    }
    out /= std::string(segment);
    start = end + 1;
  }
  return out;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    int high = hex_value(text[i + 1]);
    int low = hex_value(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    char c = static_cast<char>(high * 16 + low);
    if (c == '\0' || c == '/') return std::nullopt;
    out += c;
    i += 2;
  }
  return out;
}

const char* content_type_for(std::string_view name) {
  struct Type {
    const char* extension;
    const char* type;
  };
  static constexpr Type kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".json", "application/json; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  };
  for (const auto& t : kTypes) {
    std::string_view extension = t.extension;
    if (name.size() > extension.size() && name.ends_with(extension)) return t.type;
  }
  return "application/octet-stream";
}

HttpResponse serve_static(const std::filesystem::path& dashboard_dir, std::string_view path,
                          const HttpRequest& request) {
  std::string relative_text = "index.html";
  if (path != "/") {
    constexpr std::string_view kPrefix = "/static/";
    if (!path.starts_with(kPrefix)) return not_found(request, "no such page");
    auto decoded = percent_decode(path.substr(kPrefix.size()));
    if (!decoded) return not_found(request, "malformed path");
    relative_text = *decoded;
  }
  auto relative = safe_relative(relative_text);
  if (!relative) return not_found(request, "no such file");
  std::error_code ec;
  auto root = std::filesystem::canonical(dashboard_dir, ec);
  if (ec) {
    return not_found(request, "the dashboard is not installed (" + dashboard_dir.string() + ")");
  }
  // Resolving symlinks, the file must still be inside the directory.
  auto file = std::filesystem::canonical(root / *relative, ec);
  auto [root_end, file_it] = std::mismatch(root.begin(), root.end(), file.begin(), file.end());
  if (ec || root_end != root.end() || !std::filesystem::is_regular_file(file, ec)) {
    return not_found(request, "no such file");
  }
  auto bytes = read_file(file, kMaxStaticFileBytes);
  if (!bytes) return not_found(request, "unreadable file");
  HttpResponse response(HttpStatus::ok, request.version());
  set_common_headers(response);
  response.set(http::field::content_type, content_type_for(file.filename().string()));
  response.set("Content-Security-Policy", kDashboardCsp);
  response.keep_alive(request.keep_alive());
  response.body() = std::move(*bytes);
  response.prepare_payload();
  return response;
}

}  // namespace hotsplice::hostd
