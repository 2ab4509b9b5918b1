#include "hostagent/log_shim.h"

#include <cstdio>

namespace hotsplice::hostd {

std::optional<LogLevel> parse_log_level(std::string_view name) {
  if (name == "error") return LogLevel::error;
  if (name == "warning") return LogLevel::warning;
  if (name == "info") return LogLevel::info;
  if (name == "debug") return LogLevel::debug;
  return std::nullopt;
}

const char* log_level_name(LogLevel level) {
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

void Logger::log(LogLevel level, std::string_view message, std::initializer_list<LogField> fields) {
  if (static_cast<int>(level) > static_cast<int>(level_)) return;
  std::string line = "<" + std::to_string(static_cast<int>(level)) + ">" + std::string(message);
  for (const auto& [key, value] : fields) {
    line += " ";
    line += key;
    line += "=";
    bool quote = value.empty() || value.find_first_of(" \"=") != std::string::npos;
    if (quote) line += '"';
    for (char c : value) {
      if (c == '"' || c == '\\') line += '\\';
      line += (c == '\n') ? ' ' : c;
    }
    if (quote) line += '"';
  }
  line += "\n";
  std::lock_guard lock(mutex_);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace hotsplice::hostd
