// One logger for both daemons (hotsplice-guestd, hotsplice-hostd): one line per event with
// structured key=value fields, written with a single write(2) so lines from several threads
// never interleave.
//
// Line formats:
//   journal  "<6>bundle hs-1 applied guest=web-1 ms=113"  (sd-daemon(3) priority prefix; the
//            journal, or any syslog-style collector reading stderr, keeps the level)
//   plain    "hotsplice-hostd: info: bundle hs-1 applied guest=web-1 ms=113"  (a terminal)
// Format::automatic picks journal when the fd is not a terminal. Values with spaces, quotes,
// '=' or control characters are quoted and escaped, and control characters in the message are
// escaped too, so text that came from a guest can never forge a second log line.
#pragma once

#include <atomic>
#include <concepts>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace hotsplice {

// The syslog priorities of the levels used.
enum class LogLevel { error = 3, warning = 4, notice = 5, info = 6, debug = 7 };

// "error", "warning", "notice", "info", "debug".
std::optional<LogLevel> parse_log_level(std::string_view name);
const char* log_level_name(LogLevel level);

// One key=value field. Keys are short snake_case words chosen by the caller.
struct LogField {
  LogField(std::string_view field_key, std::string_view field_value)
      : key(field_key), value(field_value) {}
  LogField(std::string_view field_key, const std::string& field_value)
      : key(field_key), value(field_value) {}
  LogField(std::string_view field_key, const char* field_value)
      : key(field_key), value(field_value) {}
  template <std::integral Number>
  LogField(std::string_view field_key, Number number)
      : key(field_key), value(std::to_string(number)) {}

  std::string_view key;
  std::string value;
};

class Logger {
 public:
  enum class Format { automatic, journal, plain };

  // program names the daemon in plain lines; fd is borrowed (stderr by default).
  explicit Logger(std::string program, LogLevel level = LogLevel::info, int fd = 2,
                  Format format = Format::automatic);
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  void set_level(LogLevel level) { level_.store(static_cast<int>(level)); }
  LogLevel level() const { return static_cast<LogLevel>(level_.load()); }
  bool enabled(LogLevel level) const { return static_cast<int>(level) <= level_.load(); }

  void log(LogLevel level, std::string_view message,
           std::initializer_list<LogField> fields = {}) const;
  void error(std::string_view message, std::initializer_list<LogField> fields = {}) const {
    log(LogLevel::error, message, fields);
  }
  void warning(std::string_view message, std::initializer_list<LogField> fields = {}) const {
    log(LogLevel::warning, message, fields);
  }
  void notice(std::string_view message, std::initializer_list<LogField> fields = {}) const {
    log(LogLevel::notice, message, fields);
  }
  void info(std::string_view message, std::initializer_list<LogField> fields = {}) const {
    log(LogLevel::info, message, fields);
  }
  void debug(std::string_view message, std::initializer_list<LogField> fields = {}) const {
    log(LogLevel::debug, message, fields);
  }

  // The line log() writes, without the trailing newline (for tests and for callers that
  // need the text elsewhere).
  std::string format_line(LogLevel level, std::string_view message,
                          std::initializer_list<LogField> fields) const;

 private:
  std::string program_;
  std::atomic<int> level_;
  int fd_;
  bool journal_;
};

}  // namespace hotsplice
