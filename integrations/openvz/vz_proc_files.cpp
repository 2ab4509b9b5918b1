#include "integrations/openvz/vz_proc_files.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <sstream>
#include <system_error>

#include "core/base/file_io.h"

namespace hotsplice::openvz {
namespace {

constexpr std::size_t kMaxConfBytes = 1 << 20;

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    std::size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::vector<std::string> words_of(std::string_view line) {
  std::istringstream stream{std::string(line)};
  std::vector<std::string> words;
  for (std::string word; stream >> word;) words.push_back(word);
  return words;
}

bool is_shell_name(std::string_view key) {
  if (key.empty() || std::isdigit(static_cast<unsigned char>(key.front()))) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// The value after '=': quoted with " or ' (the whole rest of the line), or a bare word.
std::optional<std::string> shell_value(std::string_view value) {
  if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
    std::size_t close = value.find(value.front(), 1);
    if (close == std::string_view::npos) return std::nullopt;
    // After the closing quote: nothing, or white space and a comment.
    std::string_view rest = value.substr(close + 1);
    std::size_t next = rest.find_first_not_of(" \t");
    if (next != std::string_view::npos && (next == 0 || rest[next] != '#')) return std::nullopt;
    return std::string(value.substr(1, close - 1));
  }
  if (value.find_first_of(" \t\"'") != std::string_view::npos) return std::nullopt;
  return std::string(value);
}

}  // namespace

ContainerList parse_veinfo(std::string_view text) {
  ContainerList list;
  auto lines = lines_of(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    auto words = words_of(lines[i]);
    if (words.empty()) continue;
    std::string where = "/proc/vz/veinfo line " + std::to_string(i + 1);
    if (words.size() < 3 || !is_container_id(words[0]) ||
        words[2].find_first_not_of("0123456789") != std::string::npos) {
      list.warnings.push_back(where + ": expected \"<id> <class> <nproc> [<ip>...]\", skipped");
      continue;
    }
    if (words[0] == "0") continue;  // the node
    list.containers.push_back(
        {words[0], words[0], "", kStatusRunning, kSourceVeinfo, KernelIdentity{}});
  }
  return list;
}

std::map<std::string, std::string> parse_shell_variables(std::string_view text,
                                                         std::string_view what,
                                                         std::vector<std::string>& warnings) {
  std::map<std::string, std::string> variables;
  auto lines = lines_of(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t' || line.back() == '\r')) {
      line.remove_suffix(1);
    }
    if (line.empty() || line.front() == '#') continue;
    std::size_t equals = line.find('=');
    std::optional<std::string> value;
    if (equals != std::string_view::npos && is_shell_name(line.substr(0, equals))) {
      value = shell_value(line.substr(equals + 1));
    }
    if (!value) {
      warnings.push_back(std::string(what) + " line " + std::to_string(i + 1) +
                         ": expected KEY=\"value\", skipped");
      continue;
    }
    variables[std::string(line.substr(0, equals))] = std::move(*value);
  }
  return variables;
}

ContainerList read_openvz_files(const std::filesystem::path& root) {
  ContainerList list;
  ContainerList running;
  if (auto veinfo = read_file(root / "proc/vz/veinfo", kMaxConfBytes)) {
    running = parse_veinfo(*veinfo);
  }
  list.warnings = std::move(running.warnings);

  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (std::filesystem::directory_iterator it(root / "etc/vz/conf", error), end;
       !error && it != end; it.increment(error)) {
    const auto& path = it->path();
    if (path.extension() == ".conf" && is_container_id(path.stem().string()) &&
        path.stem() != "0") {
      files.push_back(path);
    }
  }
  std::sort(files.begin(), files.end());
  for (const auto& path : files) {
    std::string id = path.stem().string();
    std::string what = "/etc/vz/conf/" + path.filename().string();
    auto content = read_file(path, kMaxConfBytes);
    if (!content) {
      list.warnings.push_back(what + ": " + content.error().message() + ", skipped");
      continue;
    }
    auto variables = parse_shell_variables(*content, what, list.warnings);
    Container container{id, "", "", kStatusStopped, kSourceVzConf, KernelIdentity{}};
    container.hostname =
        accept_text(variables["HOSTNAME"], kMaxNameLength, what + " HOSTNAME", list.warnings);
    container.name = accept_text(variables["NAME"], kMaxNameLength, what + " NAME", list.warnings);
    if (container.name.empty()) container.name = id;
    auto listed = std::find_if(running.containers.begin(), running.containers.end(),
                               [&](const Container& c) { return c.id == id; });
    if (listed != running.containers.end()) {
      container.status = kStatusRunning;
      running.containers.erase(listed);
    }
    list.containers.push_back(std::move(container));
  }
  for (auto& container : running.containers) list.containers.push_back(std::move(container));
  return list;
}

}  // namespace hotsplice::openvz
