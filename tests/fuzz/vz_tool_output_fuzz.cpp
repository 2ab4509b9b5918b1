// libFuzzer target: the parsers of the Virtuozzo/OpenVZ tools' JSON (integrations/openvz/
// vz_tool_output.h): `vzlist -a -j` and `prlctl list -a -j`, whose output names containers
// that their owners configure. The same bytes go to both. Anything may be refused;
// nothing may crash. Every container listed has an id.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "integrations/openvz/vz_tool_output.h"
#include "tests/fuzz/support/container_checks.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  hotsplice::fuzzing::check_container_list(hotsplice::openvz::parse_vzlist_json(text));
  hotsplice::fuzzing::check_container_list(hotsplice::openvz::parse_prlctl_json(text));
  return 0;
}
