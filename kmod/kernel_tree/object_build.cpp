#include "kmod/kernel_tree/object_build.h"

#include "core/base/file_io.h"
#include "kmod/kernel_tree/error_codes.h"
#include "kmod/kernel_tree/pristine_tree.h"
#include "kmod/kernel_tree/process.h"

namespace hotsplice::kernel_tree {

namespace fs = std::filesystem;

Status build_objects(const fs::path& tree, const std::vector<std::string>& objects, int jobs,
                     const fs::path& log) {
  std::vector<std::string> argv = {"make", "-j" + std::to_string(jobs), kSectionCflags};
  argv.insert(argv.end(), objects.begin(), objects.end());
  return run_logged(argv, tree, log);
}

Expected<std::string> compile_command_of(const fs::path& tree, const std::string& object) {
  const fs::path path = fs::path(object);
  // Appended, not `"." + std::string`: GCC 12 at -O3 warns -Wrestrict on that (bug 105329).
  std::string record_name = ".";
  record_name += path.filename().string();
  record_name += ".cmd";
  const fs::path record = tree / path.parent_path() / record_name;
  auto content = read_file(record, 16 << 20);
  if (!content) return content.error().with_context("reading kbuild's record of " + object);
  // "cmd_<object> := " up to Linux 6.3, "savedcmd_<object> := " since 6.4 (6.12 writes it).
  for (const std::string& prefix : {"cmd_" + object + " := ", "savedcmd_" + object + " := "}) {
    if (content->starts_with(prefix)) {
      return content->substr(prefix.size(), content->find('\n') - prefix.size());
    }
  }
  return Error(errc::kInvalidBuildRecord,
               record.string() + " does not start with cmd_" + object + " := (or savedcmd_)");
}

Expected<std::string> binary_of_command(const std::string& command) {
  if (command.find(" -DMODULE ") == std::string::npos) return std::string("vmlinux");
  // Written as -DKBUILD_MODNAME='"name"' in the recorded shell command.
  const std::string marker = "-DKBUILD_MODNAME='\"";
  const std::size_t begin = command.find(marker);
  if (begin == std::string::npos) {
    return Error(errc::kInvalidBuildRecord, "module object compiled without KBUILD_MODNAME");
  }
  const std::size_t name = begin + marker.size();
  const std::size_t end = command.find('"', name);
  if (end == std::string::npos || end == name) {
    return Error(errc::kInvalidBuildRecord, "malformed KBUILD_MODNAME in the compile command");
  }
  return command.substr(name, end - name);
}

}  // namespace hotsplice::kernel_tree
