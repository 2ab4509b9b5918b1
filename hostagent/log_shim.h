// TEMPORARY: a minimal structured logger until core/base/log (issue 9, engineer C) lands on
// main; then this file goes and hostd takes hotsplice::Logger. One line per event on stderr
// with the sd-daemon "<N>" priority prefix, message then key=value fields.
#pragma once

#include <initializer_list>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace hotsplice::hostd {

enum class LogLevel { error = 3, warning = 4, info = 6, debug = 7 };

std::optional<LogLevel> parse_log_level(std::string_view name);
const char* log_level_name(LogLevel level);

using LogField = std::pair<std::string_view, std::string>;

class Logger {
 public:
  void set_level(LogLevel level) { level_ = level; }
  LogLevel level() const { return level_; }
  void log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields = {});
  void error(std::string_view m, std::initializer_list<LogField> f = {}) {
    log(LogLevel::error, m, f);
  }
  void warning(std::string_view m, std::initializer_list<LogField> f = {}) {
    log(LogLevel::warning, m, f);
  }
  void info(std::string_view m, std::initializer_list<LogField> f = {}) {
    log(LogLevel::info, m, f);
  }
  void debug(std::string_view m, std::initializer_list<LogField> f = {}) {
    log(LogLevel::debug, m, f);
  }

 private:
  LogLevel level_ = LogLevel::info;
  std::mutex mutex_;
};

}  // namespace hotsplice::hostd
