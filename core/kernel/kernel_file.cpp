#include "core/kernel/kernel_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>

#include "core/base/error_codes.h"
#include "core/base/file_io.h"
#include "core/kernel/error_codes.h"

namespace hotsplice {
namespace {

constexpr std::size_t kQuotedBytes = 40;
constexpr std::size_t kMaxIntegerText = 24;

bool is_control(char c) {
  return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
}

Error invalid_value(const std::filesystem::path& path, std::string_view content,
                    std::string_view expected) {
  return Error(kernel::errc::kInvalidValue, path.string() + ": expected " + std::string(expected) +
                                                ", found " + quote_for_error(content));
}

}  // namespace

std::string quote_for_error(std::string_view content) {
  std::string quoted = "\"";
  for (std::size_t i = 0; i < content.size() && i < kQuotedBytes; ++i) {
    unsigned char c = static_cast<unsigned char>(content[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      quoted += static_cast<char>(c);
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      quoted += escaped;
    }
  }
  quoted += '"';
  if (content.size() > kQuotedBytes) quoted += "...";
  return quoted;
}

Expected<std::string> read_kernel_line(const std::filesystem::path& path, std::size_t max_length) {
  // One byte of slack for the newline, one more so an oversized value is reported as too
  // long by us rather than as a generic file_too_large.
  auto content = read_file(path, max_length + 2);
  if (!content) {
    if (content.error().code() == errc::kFileTooLarge) {
      return Error(kernel::errc::kValueTooLong,
                   path.string() + ": longer than " + std::to_string(max_length) + " bytes");
    }
    return content.error();
  }
  std::string value = std::move(*content);
  if (!value.empty() && value.back() == '\n') value.pop_back();
  if (value.empty()) return Error(kernel::errc::kEmptyValue, path.string() + ": empty");
  if (value.size() > max_length) {
    return Error(kernel::errc::kValueTooLong,
                 path.string() + ": longer than " + std::to_string(max_length) + " bytes");
  }
  for (char c : value) {
    if (is_control(c)) return invalid_value(path, value, "one line of printable text");
  }
  return value;
}

Expected<std::int64_t> read_kernel_integer(const std::filesystem::path& path, std::int64_t min,
                                           std::int64_t max) {
  auto text = read_kernel_line(path, kMaxIntegerText);
  std::string expected = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  if (!text) {
    if (text.error().code() == errc::kIoError) return text.error();
    return Error(kernel::errc::kInvalidValue,
                 text.error().message() + " (expected " + expected + ")");
  }
  std::int64_t value = 0;
  const char* begin = text->data();
  const char* end = begin + text->size();
  auto [stop, error] = std::from_chars(begin, end, value);
  if (error != std::errc() || stop != end || value < min || value > max) {
    return invalid_value(path, *text, expected);
  }
  return value;
}

Expected<bool> read_kernel_flag(const std::filesystem::path& path) {
  auto value = read_kernel_integer(path, 0, 1);
  if (!value) return value.error();
  return *value == 1;
}

Status write_kernel_value(const std::filesystem::path& path, std::string_view value) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return io_error("open " + path.string(), errno);
  ssize_t written;
  do {
    written = ::write(fd, value.data(), value.size());
  } while (written < 0 && errno == EINTR);
  int write_errno = errno;
  ::close(fd);
  if (written < 0) return io_error("write " + path.string(), write_errno);
  if (static_cast<std::size_t>(written) != value.size()) {
    return Error(errc::kIoError, "write " + path.string() + ": short write of " +
                                     std::to_string(written) + " of " +
                                     std::to_string(value.size()) + " bytes");
  }
  return Status::ok();
}

}  // namespace hotsplice
