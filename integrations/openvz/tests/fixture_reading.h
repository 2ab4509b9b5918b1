// Where the recorded data of these tests lives, and the small checks every test file uses.
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/base/file_io.h"
#include "integrations/openvz/container.h"

namespace hotsplice::openvz::testing {

inline const std::filesystem::path kFixtures = HOTSPLICE_FIXTURES;

// A recorded file's text; fails the test when it cannot be read.
inline std::string fixture_text(const std::filesystem::path& relative) {
  auto text = read_file(kFixtures / relative, 1 << 20);
  if (!text) throw std::runtime_error(text.error().message());
  return std::move(*text);
}

inline const Container* find_container(const ContainerList& list, std::string_view id) {
  auto found = std::find_if(list.containers.begin(), list.containers.end(),
                            [&](const Container& c) { return c.id == id; });
  return found == list.containers.end() ? nullptr : &*found;
}

inline bool has_warning(const ContainerList& list, std::string_view part) {
  return std::any_of(list.warnings.begin(), list.warnings.end(),
                     [&](const std::string& w) { return w.find(part) != std::string::npos; });
}

}  // namespace hotsplice::openvz::testing
