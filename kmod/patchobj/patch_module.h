// From before/after builds of kernel objects to a loadable livepatch module: the patch
// object (patch_object), the generated tables (patch_tables) and the trampoline template
// are linked by Kbuild against the target kernel's headers, then the livepatch
// relocations are written into the linked module (klp_rewrite).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/base/expected.h"
#include "kmod/patchobj/klp_rewrite.h"
#include "kmod/patchobj/patch_object.h"

namespace hotsplice::patchobj {

struct ObjectBuilds {
  std::filesystem::path before;
  std::filesystem::path after;
  std::string binary;  // "vmlinux" or the module name
};

struct PatchModuleRequest {
  std::string module_name;             // also the patch's name under /sys/kernel/livepatch
  std::filesystem::path kernel_build;  // /lib/modules/<release>/build
  std::vector<ObjectBuilds> objects;
  // /proc/kallsyms of the exact target kernel: needed when vmlinux is patched.
  std::filesystem::path kallsyms;
  // binary -> its .ko (symbol positions); else looked up under `module_tree`.
  std::map<std::string, std::filesystem::path> module_files;
  std::filesystem::path module_tree;  // /lib/modules/<release>
  std::filesystem::path hooks;        // optional C file with hotsplice_hook_* functions
  std::filesystem::path work_dir;
  int jobs = 2;
};

struct PatchModule {
  std::filesystem::path module;  // <work_dir>/<module_name>.ko
  std::vector<ObjectPatch> objects;
  RewriteSummary relocations;
};

Expected<PatchModule> build_patch_module(const PatchModuleRequest& request);

}  // namespace hotsplice::patchobj
