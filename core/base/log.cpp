#include "core/base/log.h"

#include <unistd.h>

#include <array>
#include <cstdio>

namespace hotsplice {
namespace {

constexpr std::array kLevels{LogLevel::error, LogLevel::warning, LogLevel::notice, LogLevel::info,
                             LogLevel::debug};

bool needs_quotes(std::string_view value) {
  if (value.empty()) return true;
  for (unsigned char c : value) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7f) return true;
  }
  return false;
}

// Control characters (a newline above all) become escapes: one event, one line.
void append_escaped(std::string& line, std::string_view text, bool escape_quotes) {
  for (unsigned char c : text) {
    if (c == '\n') {
      line += "\\n";
    } else if (c < ' ' || c == 0x7f) {
      char escape[5];
      std::snprintf(escape, sizeof(escape), "\\x%02x", c);
      line += escape;
    } else if (escape_quotes && (c == '"' || c == '\\')) {
      line += '\\';
      line += static_cast<char>(c);
    } else {
      line += static_cast<char>(c);
    }
  }
}

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view name) {
  for (LogLevel level : kLevels) {
    if (name == log_level_name(level)) return level;
  }
  return std::nullopt;
}

const char* log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::error:
      return "error";
    case LogLevel::warning:
      return "warning";
    case LogLevel::notice:
      return "notice";
    case LogLevel::info:
      return "info";
    case LogLevel::debug:
      return "debug";
  }
  return "info";
}

Logger::Logger(std::string program, LogLevel level, int fd, Format format)
    : program_(std::move(program)), level_(static_cast<int>(level)), fd_(fd) {
  journal_ = format == Format::journal || (format == Format::automatic && ::isatty(fd) == 0);
}

std::string Logger::format_line(LogLevel level, std::string_view message,
                                std::initializer_list<LogField> fields) const {
  std::string line;
  if (journal_) {
    line = "<" + std::to_string(static_cast<int>(level)) + ">";
  } else {
    line = program_ + ": " + log_level_name(level) + ": ";
  }
  append_escaped(line, message, /*escape_quotes=*/false);
  for (const LogField& field : fields) {
    line += ' ';
    line += field.key;
    line += '=';
    if (needs_quotes(field.value)) {
      line += '"';
      append_escaped(line, field.value, /*escape_quotes=*/true);
      line += '"';
    } else {
      line += field.value;
    }
  }
  return line;
}

void Logger::log(LogLevel level, std::string_view message,
                 std::initializer_list<LogField> fields) const {
  if (!enabled(level)) return;
  std::string line = format_line(level, message, fields);
  line += '\n';
  // One write per line: lines from the event loop and a worker thread never interleave.
  [[maybe_unused]] ssize_t ignored = ::write(fd_, line.data(), line.size());
}

}  // namespace hotsplice
