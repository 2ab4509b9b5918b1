#include "kmod/kernel_tree/line_directives.h"

#include <charconv>
#include <map>

#include "core/base/error_codes.h"
#include "core/base/file_io.h"
#include "core/base/subprocess.h"
#include "kmod/kernel_tree/error_codes.h"

namespace hotsplice::kernel_tree {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxSourceBytes = std::size_t{64} << 20;

// "a" or "a,b" of a hunk header; a missing count is 1.
bool parse_range(std::string_view text, long& start, long& count) {
  const std::size_t comma = text.find(',');
  const std::string_view first = text.substr(0, comma);
  if (std::from_chars(first.data(), first.data() + first.size(), start).ec != std::errc{})
    return false;
  count = 1;
  if (comma == std::string_view::npos) return start >= 0;
  const std::string_view second = text.substr(comma + 1);
  return std::from_chars(second.data(), second.data() + second.size(), count).ec == std::errc{} &&
         start >= 0 && count >= 0;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t begin = 0;
  while (begin < text.size()) {
    std::size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    lines.push_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  return lines;
}

// For each line (0-based), whether a directive may go right before it: not inside a block
// comment or a string, and the previous line does not continue onto it.
std::vector<bool> safe_line_starts(const std::vector<std::string_view>& lines) {
  std::vector<bool> safe(lines.size() + 1, true);
  bool in_comment = false;
  bool continued = false;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    safe[i] = !in_comment && !continued;
    const std::string_view line = lines[i];
    char quote = 0;
    for (std::size_t at = 0; at < line.size(); ++at) {
      const char c = line[at];
      if (in_comment) {
        if (c == '*' && at + 1 < line.size() && line[at + 1] == '/') {
          in_comment = false;
          ++at;
        }
      } else if (quote != 0) {
        if (c == '\\') {
          ++at;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '/' && at + 1 < line.size() && line[at + 1] == '*') {
        in_comment = true;
        ++at;
      } else if (c == '/' && at + 1 < line.size() && line[at + 1] == '/') {
        break;
      }
    }
    continued = !line.empty() && line.back() == '\\';
  }
  safe[lines.size()] = !in_comment && !continued;
  return safe;
}

}  // namespace

Expected<std::vector<LineHunk>> line_hunks_of(std::string_view unified_diff) {
  std::vector<LineHunk> hunks;
  for (std::string_view line : split_lines(unified_diff)) {
    if (!line.starts_with("@@ -")) continue;
    const std::size_t plus = line.find(" +", 4);
    const std::size_t close = line.find(" @@", 4);
    LineHunk hunk;
    if (plus == std::string_view::npos || close == std::string_view::npos || close < plus ||
        !parse_range(line.substr(4, plus - 4), hunk.old_start, hunk.old_count) ||
        !parse_range(line.substr(plus + 2, close - plus - 2), hunk.new_start, hunk.new_count)) {
      return Error(errc::kInvalidPatch,
                   "malformed hunk header in diff output: " + std::string(line.substr(0, 80)));
    }
    hunks.push_back(hunk);
  }
  return hunks;
}

std::string with_line_directives(std::string_view patched, const std::vector<LineHunk>& hunks) {
  const std::vector<std::string_view> lines = split_lines(patched);
  const std::vector<bool> safe = safe_line_starts(lines);
  // new line index (0-based) -> original number of that line
  std::map<std::size_t, long> directives;
  for (const LineHunk& hunk : hunks) {
    // The first line after the region, in both numberings (1-based).
    const long old_next =
        hunk.old_count == 0 ? hunk.old_start + 1 : hunk.old_start + hunk.old_count;
    const long new_next =
        hunk.new_count == 0 ? hunk.new_start + 1 : hunk.new_start + hunk.new_count;
    if (old_next == new_next || new_next < 1) continue;
    std::size_t index = static_cast<std::size_t>(new_next - 1);
    long number = old_next;
    while (index < lines.size() && !safe[index]) {
      ++index;
      ++number;
    }
    if (index >= lines.size()) continue;
    directives[index] = number;
  }
  std::string result;
  result.reserve(patched.size() + directives.size() * 16);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (auto found = directives.find(i); found != directives.end()) {
      result += "#line " + std::to_string(found->second) + "\n";
    }
    result += lines[i];
    if (i + 1 < lines.size() || patched.ends_with('\n')) result += '\n';
  }
  return result;
}

Status add_line_directives(const fs::path& file, const std::string& original,
                           const fs::path& scratch) {
  auto patched = read_file(file, kMaxSourceBytes);
  if (!patched) return patched.error();
  if (auto status = ensure_directory(scratch.parent_path()); !status) return status;
  if (auto status = write_file_atomically(scratch, original); !status) return status;
  SubprocessSpec spec({"diff", "-U0", scratch.string(), file.string()});
  spec.max_captured_bytes = kMaxSourceBytes;
  auto compared = run_subprocess(spec);
  std::error_code ignored;
  fs::remove(scratch, ignored);
  if (!compared) return compared.error();
  // diff(1) exits 0 (same), 1 (different) or 2 (trouble).
  if (!WIFEXITED(compared->wait_status) || WEXITSTATUS(compared->wait_status) > 1) {
    return Error(hotsplice::errc::kCommandFailed,
                 "diff -U0 " + file.string() + " " + compared->how_it_ended());
  }
  auto hunks = line_hunks_of(compared->output);
  if (!hunks) return hunks.error();
  return write_file_atomically(file, with_line_directives(*patched, *hunks));
}

}  // namespace hotsplice::kernel_tree
