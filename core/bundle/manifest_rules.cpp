#include "core/bundle/manifest_rules.h"

#include <algorithm>
#include <ctime>

namespace hotsplice {
namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool all_digits(std::string_view text) {
  for (char c : text) {
    if (!is_digit(c)) return false;
  }
  return !text.empty();
}

int number(std::string_view digits) {
  int value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}

}  // namespace

bool is_valid_object_name(std::string_view name) {
  return name == "vmlinux" || is_valid_module_name(name);
}

bool is_valid_symbol_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxSymbolNameLength || is_digit(name.front()) ||
      name.front() == '.') {
    return false;
  }
  for (char c : name) {
    if (!is_alnum(c) && c != '_' && c != '.') return false;
  }
  return true;
}

bool is_valid_cve(std::string_view cve) {
  if (cve.size() < 13 || cve.size() > 16 || cve.substr(0, 4) != "CVE-" || cve[8] != '-') {
    return false;
  }
  return all_digits(cve.substr(4, 4)) && all_digits(cve.substr(9));
}

bool is_valid_utc_timestamp(std::string_view text) {
  // 0123456789012345678 9
  // YYYY-MM-DDTHH:MM:SS Z
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != 'Z') {
    return false;
  }
  const std::string_view fields[] = {text.substr(0, 4),  text.substr(5, 2),  text.substr(8, 2),
                                     text.substr(11, 2), text.substr(14, 2), text.substr(17, 2)};
  for (auto field : fields) {
    if (!all_digits(field)) return false;
  }
  int month = number(fields[1]);
  int day = number(fields[2]);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && number(fields[3]) <= 23 &&
         number(fields[4]) <= 59 && number(fields[5]) <= 60;
}

std::optional<std::int64_t> parse_utc_timestamp(std::string_view text) {
  if (!is_valid_utc_timestamp(text)) return std::nullopt;
  std::tm utc{};
  utc.tm_year = number(text.substr(0, 4)) - 1900;
  utc.tm_mon = number(text.substr(5, 2)) - 1;
  utc.tm_mday = number(text.substr(8, 2));
  utc.tm_hour = number(text.substr(11, 2));
  utc.tm_min = number(text.substr(14, 2));
  int second = number(text.substr(17, 2));
  utc.tm_sec = std::min(second, 59);  // a leap second counts as the one after :59
  std::tm normalised = utc;
  std::time_t seconds = ::timegm(&normalised) + (second - utc.tm_sec);
  // timegm carries "2026-02-31" into March; a date that does not exist is not a timestamp.
  if (normalised.tm_mday != utc.tm_mday || normalised.tm_mon != utc.tm_mon) return std::nullopt;
  return static_cast<std::int64_t>(seconds);
}

std::string format_utc_timestamp(std::int64_t seconds_since_epoch) {
  std::time_t time = static_cast<std::time_t>(seconds_since_epoch);
  std::tm utc{};
  ::gmtime_r(&time, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return buffer;
}

}  // namespace hotsplice
