#include "integrations/openvz/machined.h"

#include <map>
#include <system_error>

#include "core/platform/tree_reading.h"

namespace hotsplice::openvz {

ContainerList parse_machined_state(std::string_view text, std::string_view what) {
  ContainerList list;
  std::map<std::string, std::string, std::less<>> fields;
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    if (line.empty() || line.front() == '#') continue;
    std::size_t equals = line.find('=');
    if (equals == std::string_view::npos || equals == 0) {
      list.warnings.push_back(std::string(what) + " line " + std::to_string(number) +
                              ": not KEY=VALUE, skipped");
      continue;
    }
    fields[std::string(line.substr(0, equals))] = std::string(line.substr(equals + 1));
  }
  auto field = [&](std::string_view key) {
    auto it = fields.find(key);
    return it == fields.end() ? std::string() : it->second;
  };
  if (auto machine_class = field("CLASS"); !machine_class.empty() && machine_class != "container") {
    return list;  // a VM registered with machined: its own kernel
  }
  std::string name =
      accept_text(field("NAME"), kMaxNameLength, std::string(what) + " NAME", list.warnings);
  if (name.empty()) {
    list.warnings.push_back(std::string(what) + ": no usable NAME, skipped");
    return list;
  }
  std::string state = lower_case(field("STATE"));
  Container container;
  container.id = name;
  container.name = name;
  container.status = state.empty() ? kStatusRunning : state;
  container.source = kSourceMachined;
  list.containers.push_back(std::move(container));
  return list;
}

ContainerList read_machined_containers(const std::filesystem::path& root) {
  ContainerList list;
  const std::filesystem::path directory = root / "run/systemd/machines";
  std::error_code error;
  for (std::filesystem::directory_iterator it(directory, error), end; !error && it != end;
       it.increment(error)) {
    std::error_code type_error;
    if (!it->is_regular_file(type_error) || it->is_symlink(type_error)) continue;
    std::string what = "/run/systemd/machines/" + it->path().filename().string();
    auto text = platform::read_small(it->path());
    if (!text) {
      list.warnings.push_back(what + ": unreadable, skipped");
      continue;
    }
    list.append(parse_machined_state(*text, what));
  }
  return list;
}

}  // namespace hotsplice::openvz
