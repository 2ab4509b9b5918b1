#include "guestagent/log.h"

#include <unistd.h>

#include <cstdlib>
#include <string>

namespace hotsplice::guestd {
namespace {

LogLevel g_level = LogLevel::info;

const char* level_name(LogLevel level) {
  switch (level) {
    case LogLevel::error:
      return "error";
    case LogLevel::warning:
      return "warning";
    case LogLevel::info:
      return "info";
    case LogLevel::debug:
      return "debug";
  }
  return "info";
}

bool stderr_is_journal() {
  static const bool journal = std::getenv("JOURNAL_STREAM") != nullptr;
  return journal;
}

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view name) {
  for (LogLevel level : {LogLevel::error, LogLevel::warning, LogLevel::info, LogLevel::debug}) {
    if (name == level_name(level)) return level;
  }
  return std::nullopt;
}

void set_log_level(LogLevel level) {
  g_level = level;
}

void log(LogLevel level, std::string_view message) {
  if (static_cast<int>(level) > static_cast<int>(g_level)) return;
  std::string line;
  if (stderr_is_journal()) {
    line = "<" + std::to_string(static_cast<int>(level)) + ">";
  } else {
    line = "hotsplice-guestd: ";
  }
  line += level_name(level);
  line += ": ";
  line += message;
  line += '\n';
  // One write per line: lines from a crash-time message and a normal one never interleave.
  [[maybe_unused]] ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace hotsplice::guestd
