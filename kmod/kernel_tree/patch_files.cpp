#include "kmod/kernel_tree/patch_files.h"

#include <algorithm>
#include <optional>
#include <sstream>

#include "kmod/kernel_tree/error_codes.h"

namespace hotsplice::kernel_tree {
namespace {

// "+++ b/fs/proc/meminfo.c\t2024-01-01 ..." -> "b/fs/proc/meminfo.c"
std::string path_of_header(std::string_view line) {
  line.remove_prefix(4);
  const std::size_t end = line.find_first_of("\t ");
  return std::string(line.substr(0, end));
}

bool is_safe_relative(std::string_view path) {
  if (path.empty() || path.starts_with('/')) return false;
  std::size_t begin = 0;
  while (begin <= path.size()) {
    std::size_t end = path.find('/', begin);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view part = path.substr(begin, end - begin);
    if (part == ".." || part.empty()) return false;
    begin = end + 1;
  }
  return true;
}

std::vector<std::string_view> components(std::string_view path) {
  std::vector<std::string_view> parts;
  std::size_t begin = 0;
  while (begin <= path.size()) {
    std::size_t end = path.find('/', begin);
    if (end == std::string_view::npos) end = path.size();
    parts.push_back(path.substr(begin, end - begin));
    begin = end + 1;
  }
  return parts;
}

// path without its first level components, as patch -p<level> reads it.
std::string strip_components(std::string_view path, int level) {
  for (int i = 0; i < level; ++i) {
    const std::size_t slash = path.find('/');
    if (slash == std::string_view::npos) return {};
    path.remove_prefix(slash + 1);
  }
  return std::string(path);
}

// The -p level for one file of the diff. Its two names share the path within the tree and
// differ in the prefix each side was written under ("a/" "b/", "linux.orig/" "linux/"): the
// level is the number of components before their longest common tail. When both sides carry
// the same prefix ("diff -u" inside a directory of its own, or git --no-prefix) only the
// tree can tell: the smallest level whose path exists in it.
int strip_level(std::string_view old_path, std::string_view new_path, const FileExists& exists) {
  const auto old_parts = components(old_path);
  const auto new_parts = components(new_path);
  std::size_t common = 0;
  while (common < old_parts.size() && common < new_parts.size() &&
         old_parts[old_parts.size() - 1 - common] == new_parts[new_parts.size() - 1 - common]) {
    ++common;
  }
  const int by_names = static_cast<int>(new_parts.size() - std::max<std::size_t>(common, 1));
  if (!exists || exists(strip_components(new_path, by_names))) return by_names;
  for (int level = 0; level < static_cast<int>(new_parts.size()); ++level) {
    const std::string candidate = strip_components(new_path, level);
    if (is_safe_relative(candidate) && exists(candidate)) return level;
  }
  return by_names;
}

}  // namespace

Expected<PatchFiles> files_of_patch(std::string_view diff, const FileExists& exists) {
  std::vector<std::string> old_paths;
  std::vector<std::string> new_paths;
  std::istringstream lines{std::string(diff)};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with("--- ")) old_paths.push_back(path_of_header(line));
    if (line.starts_with("+++ ")) new_paths.push_back(path_of_header(line));
  }
  if (new_paths.empty() || new_paths.size() != old_paths.size()) {
    return Error(errc::kInvalidPatch, "not a unified diff: no matching ---/+++ file headers");
  }
  PatchFiles result;
  std::optional<int> strip;
  for (std::size_t i = 0; i < new_paths.size(); ++i) {
    if (new_paths[i] == "/dev/null" || old_paths[i] == "/dev/null") {
      return Error(errc::kUnsupportedPatch,
                   "the diff adds or deletes a file (" +
                       (new_paths[i] == "/dev/null" ? old_paths[i] : new_paths[i]) +
                       "): only changes to existing files are supported");
    }
    const int level = strip_level(old_paths[i], new_paths[i], exists);
    if (strip && *strip != level) {
      return Error(errc::kInvalidPatch, "the diff's file names need different prefix strips (" +
                                            new_paths[i] + " after " + new_paths.front() +
                                            "); patch(1) takes one -p level");
    }
    strip = level;
    std::string path = strip_components(new_paths[i], level);
    if (!is_safe_relative(path)) {
      return Error(errc::kInvalidPatch, "the diff names a path outside the tree: " + new_paths[i]);
    }
    if (std::find(result.files.begin(), result.files.end(), path) == result.files.end()) {
      result.files.push_back(std::move(path));
    }
  }
  result.strip = strip.value_or(0);
  return result;
}

Expected<std::vector<std::string>> objects_of(const std::vector<std::string>& files) {
  std::vector<std::string> objects;
  for (const std::string& file : files) {
    if (file.ends_with(".c") || file.ends_with(".S")) {
      objects.push_back(file.substr(0, file.size() - 2) + ".o");
      continue;
    }
    if (file.ends_with(".h")) {
      return Error(errc::kUnsupportedPatch,
                   "the diff changes header " + file +
                       ": finding every object that includes it is not supported yet");
    }
    return Error(errc::kUnsupportedPatch,
                 "the diff changes " + file + ", which is not a C or assembly source of an object");
  }
  return objects;
}

}  // namespace hotsplice::kernel_tree
