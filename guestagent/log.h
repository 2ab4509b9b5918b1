// The agent's log: one line per event on stderr, which systemd's journal captures with the
// level (the "<N>" prefixes of sd-daemon(3)) when JOURNAL_STREAM says stderr is the journal.
#pragma once

#include <optional>
#include <string_view>

namespace hotsplice::guestd {

enum class LogLevel { error = 3, warning = 4, info = 6, debug = 7 };

std::optional<LogLevel> parse_log_level(std::string_view name);
void set_log_level(LogLevel level);

void log(LogLevel level, std::string_view message);
inline void log_error(std::string_view message) {
  log(LogLevel::error, message);
}
inline void log_warning(std::string_view message) {
  log(LogLevel::warning, message);
}
inline void log_info(std::string_view message) {
  log(LogLevel::info, message);
}
inline void log_debug(std::string_view message) {
  log(LogLevel::debug, message);
}

}  // namespace hotsplice::guestd
