// `hotsplice-build objects --explain FUNC`: where the two builds of one function first
// diverge, as decoded instructions side by side (before | after) with the relocation
// targets they use, like klp-build's --show-first-changed. For people, not scripts.
#pragma once

#include <string>

#include "core/base/expected.h"
#include "kmod/elfdiff/object_index.h"

namespace hotsplice::elfdiff {

// Text explaining how `function` (a symbol name of the after build, e.g. "foo" or
// "foo.part.0"; a name of the before build for a removed function) differs. Fails with
// "usage" when neither build has a function of that name. Output is printable ASCII
// (bytes from the objects are escaped); a few lines of context around the first
// difference of each piece.
Expected<std::string> explain_function(const ObjectIndex& before, const ObjectIndex& after,
                                       const std::string& function);

}  // namespace hotsplice::elfdiff
