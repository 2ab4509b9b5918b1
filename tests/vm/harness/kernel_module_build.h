// Builds an out-of-tree kernel module at test time against a test kernel's headers
// (/lib/modules/<release>/build, from linux-headers-<release>) with kbuild.
#pragma once

#include <filesystem>
#include <string>

#include "core/base/expected.h"

namespace hotsplice::vm {

// Copies the files of source_dir (a Kbuild file and the sources) into work_dir, runs
// `make -C /lib/modules/<release>/build M=<work_dir> modules` and returns the path of
// <module_name>.ko. The build log (work_dir/build.log) is in the error on failure.
Expected<std::filesystem::path> build_kernel_module(const std::filesystem::path& source_dir,
                                                    const std::string& module_name,
                                                    const std::string& release,
                                                    const std::filesystem::path& work_dir);

// tests/vm/modules/<name>: the modules the VM tests build.
std::filesystem::path test_module_source(const std::string& name);

}  // namespace hotsplice::vm
