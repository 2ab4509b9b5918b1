// Builds the patch object: from the before and after builds of one kernel object, copy the
// changed and new functions of the after build, the string literals, anonymous tables and
// new data they use, and the entries of the kernel's special tables that belong to them.
// Every other reference keeps pointing into the running kernel: to a symbol the module
// loader resolves (a vmlinux export) as an ordinary relocation, to anything else through a
// livepatch symbol `.klp.sym.<object>.<name>,<pos>`. Until the module is linked those are
// weak undefined placeholders (modpost ignores weak symbols); klp_rewrite turns them into
// SHN_LIVEPATCH symbols with `.klp.rela.*` sections afterwards.
#pragma once

#include <cstdint>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "core/base/expected.h"
#include "kmod/patchobj/relocatable.h"
#include "kmod/patchobj/target_symbols.h"

namespace hotsplice::patchobj {

// The running code a replaced function must have: the before build's bytes and, per byte,
// how to compare it (a RunPreCheck of run_pre_image.h: skip, equal, or one of the forms
// the kernel writes at a boot-rewritten site).
struct RunPreImage {
  std::vector<std::uint8_t> bytes;
  std::vector<std::uint8_t> compare;
};

struct ReplacedFunction {
  std::string old_name;    // the running symbol's name
  std::size_t sympos = 0;  // 0 when unique in the object
  std::string new_symbol;  // global alias of the new code in the patch object
  RunPreImage running;
};

struct ObjectPatch {
  std::string binary;  // "vmlinux" or a module name
  std::vector<ReplacedFunction> functions;
};

struct ObjectPatchRequest {
  std::filesystem::path before;
  std::filesystem::path after;
  std::string binary;
  const Exports* exports = nullptr;
  const SymbolPositions* positions = nullptr;          // of `binary`
  const SymbolPositions* vmlinux_positions = nullptr;  // for non-exported vmlinux globals
  // Global functions and data that objects of this patch define and the running kernel does
  // not have (new_global_definitions of every object): references to them, from any object
  // of the patch, resolve inside the patch module.
  const std::set<std::string>* patch_globals = nullptr;
};

// Names of the global symbols the after build defines and the before build does not: a new
// function or variable that other objects of the same fix may call or use.
Expected<std::set<std::string>> new_global_definitions(const std::filesystem::path& before,
                                                       const std::filesystem::path& after);

// Adds the object's changes to `patch_object`. `ordinal` keeps the new functions' alias
// names unique when several objects go into one patch. Fails naming the symbol when a
// change cannot be carried ("patch_refused") or a target symbol cannot be found.
Expected<ObjectPatch> add_object_patch(const ObjectPatchRequest& request, std::size_t ordinal,
                                       RelocatableObject& patch_object,
                                       std::set<std::string>& klp_objects);

}  // namespace hotsplice::patchobj
