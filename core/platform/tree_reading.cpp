#include "core/platform/tree_reading.h"

#include <cctype>
#include <system_error>

#include "core/base/file_io.h"

namespace hotsplice::platform {

bool path_exists(const std::filesystem::path& path) {
  std::error_code ignored;
  return std::filesystem::exists(path, ignored);
}

std::optional<std::string> read_small(const std::filesystem::path& path, std::size_t max_bytes) {
  auto content = read_file(path, max_bytes);
  if (!content) return std::nullopt;
  return std::move(*content);
}

std::string trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  return std::string(text);
}

std::string first_line(std::string_view text) {
  return trim(text.substr(0, text.find('\n')));
}

}  // namespace hotsplice::platform
