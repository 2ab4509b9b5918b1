// libFuzzer target: the OpenVZ/Virtuozzo and LXC file parsers (integrations/openvz/
// vz_proc_files.h, lxc_config.h): /proc/vz/veinfo, the shell-style /etc/vz/conf/<id>.conf
// files and LXC configs, each written by container owners or tools. The same bytes go to
// each parser, and to the readers over a tree holding them (one container of each kind).
// Lines may be skipped with warnings; nothing may crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "integrations/openvz/lxc_config.h"
#include "integrations/openvz/vz_proc_files.h"
#include "tests/fuzz/support/container_checks.h"
#include "tests/fuzz/support/scratch_tree.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> warnings;
  hotsplice::fuzzing::check_containers(hotsplice::openvz::parse_veinfo(text));
  (void)hotsplice::openvz::parse_shell_variables(text, "101.conf", warnings);
  (void)hotsplice::openvz::parse_lxc_hostname(text, "lxc config", warnings);

  const auto& root = hotsplice::fuzzing::fresh_scratch_dir();
  hotsplice::fuzzing::write_scratch_file(root, "proc/vz/veinfo", text);
  hotsplice::fuzzing::write_scratch_file(root, "etc/vz/conf/101.conf", text);
  hotsplice::fuzzing::write_scratch_file(root, "var/lib/lxc/web/config", text);
  hotsplice::fuzzing::check_containers(hotsplice::openvz::read_openvz_files(root));
  hotsplice::fuzzing::check_containers(hotsplice::openvz::read_lxc_containers(root));
  return 0;
}
