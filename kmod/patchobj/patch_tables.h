// Generates hotsplice_tables.c, the part of the trampoline module that is different for
// every patch: one klp_object per patched binary with a klp_func per replaced function,
// the run-pre images, and empty objects for binaries only reached by livepatch
// relocations (the livepatch core applies `.klp.rela.<object>.*` only for listed objects).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "kmod/patchobj/patch_object.h"

namespace hotsplice::patchobj {

std::string generate_patch_tables(const std::vector<ObjectPatch>& objects,
                                  const std::set<std::string>& klp_objects);

}  // namespace hotsplice::patchobj
