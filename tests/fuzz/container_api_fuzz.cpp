// libFuzzer target: the Docker/Podman API answer parser (integrations/openvz/container_api.h),
// GET /containers/json?all=1 as the engine's socket returns it. Anything may be refused;
// nothing may crash. Every container listed has an id.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "integrations/openvz/container.h"
#include "integrations/openvz/container_api.h"
#include "tests/fuzz/support/container_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  hotsplice::fuzzing::check_container_list(
      hotsplice::openvz::parse_container_api_list(text, hotsplice::openvz::kSourceDocker));
  return 0;
}
