#include "kmod/kernel_tree/patch_files.h"

#include <algorithm>
#include <sstream>

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

}  // namespace

Expected<PatchFiles> files_of_patch(std::string_view diff) {
  std::vector<std::string> old_paths;
  std::vector<std::string> new_paths;
  std::istringstream lines{std::string(diff)};
  std::string line;
  while (std::getline(lines, line)) {
    if (line.starts_with("--- ")) old_paths.push_back(path_of_header(line));
    if (line.starts_with("+++ ")) new_paths.push_back(path_of_header(line));
  }
  if (new_paths.empty() || new_paths.size() != old_paths.size()) {
    return Error("invalid_patch", "not a unified diff: no matching ---/+++ file headers");
  }
  PatchFiles result;
  const bool prefixed = std::all_of(
      new_paths.begin(), new_paths.end(),
      [](const std::string& path) { return path.starts_with("b/") || path == "/dev/null"; });
  result.strip = prefixed ? 1 : 0;
  for (std::size_t i = 0; i < new_paths.size(); ++i) {
    if (new_paths[i] == "/dev/null" || old_paths[i] == "/dev/null") {
      return Error("unsupported_patch",
                   "the diff adds or deletes a file (" +
                       (new_paths[i] == "/dev/null" ? old_paths[i] : new_paths[i]) +
                       "): only changes to existing files are supported");
    }
    std::string path = prefixed ? new_paths[i].substr(2) : new_paths[i];
    if (!is_safe_relative(path)) {
      return Error("invalid_patch", "the diff names a path outside the tree: " + new_paths[i]);
    }
    if (std::find(result.files.begin(), result.files.end(), path) == result.files.end()) {
      result.files.push_back(std::move(path));
    }
  }
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
      return Error("unsupported_patch",
                   "the diff changes header " + file +
                       ": finding every object that includes it is not supported yet");
    }
    return Error("unsupported_patch",
                 "the diff changes " + file + ", which is not a C or assembly source of an object");
  }
  return objects;
}

}  // namespace hotsplice::kernel_tree
