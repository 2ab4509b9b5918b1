// Building single kernel objects in a prepared tree, and asking kbuild's record of the
// compile command (the object's .cmd file) where each object ends up.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/base/expected.h"

namespace hotsplice::kernel_tree {

// `make <object>...` with the section flags. Fails with the end of the log.
Status build_objects(const std::filesystem::path& tree, const std::vector<std::string>& objects,
                     int jobs, const std::filesystem::path& log);

// The command kbuild used for the object, from <dir>/.<name>.o.cmd.
Expected<std::string> compile_command_of(const std::filesystem::path& tree,
                                         const std::string& object);

// "vmlinux" for built-in code, else the module name: kbuild compiles module code with
// -DMODULE and names the module in -DKBUILD_MODNAME.
Expected<std::string> binary_of_command(const std::string& command);

}  // namespace hotsplice::kernel_tree
