// What every container enumerator promises about what it lists, checked by the container
// parsers' fuzz targets: an id, and outside text within its bounds. Entries that break this
// must be skipped with a warning instead.
#pragma once

#include <cstdlib>

#include "core/base/expected.h"
#include "integrations/openvz/container.h"

namespace hotsplice::fuzzing {

inline void check_containers(const openvz::ContainerList& list) {
  for (const auto& container : list.containers) {
    if (container.id.empty() || container.id.size() > openvz::kMaxIdLength ||
        container.name.size() > openvz::kMaxNameLength ||
        container.hostname.size() > openvz::kMaxNameLength || container.source.empty()) {
      __builtin_trap();
    }
  }
}

inline void check_container_list(const Expected<openvz::ContainerList>& list) {
  if (list) {
    check_containers(*list);
  } else if (list.error().message().empty()) {
    std::abort();
  }
}

}  // namespace hotsplice::fuzzing
