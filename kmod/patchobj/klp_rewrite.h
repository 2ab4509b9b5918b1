// The last step of linking a patch module. Kbuild's link and modpost know nothing of
// livepatch relocations, so the patch object reaches them with weak undefined placeholder
// symbols already named `.klp.sym.<object>.<name>,<pos>` (modpost ignores weak symbols).
// On the linked .ko this step marks those symbols SHN_LIVEPATCH and moves every relocation
// that uses one from its `.rela<section>` into `.klp.rela.<object>.<section>`, the form the
// livepatch core resolves through kallsyms (Documentation/livepatch/module-elf-format.rst).
#pragma once

#include <filesystem>

#include "core/base/expected.h"

namespace hotsplice::patchobj {

struct RewriteSummary {
  std::size_t livepatch_symbols = 0;
  std::size_t livepatch_relocations = 0;
};

Expected<RewriteSummary> rewrite_livepatch_relocations(const std::filesystem::path& module);

}  // namespace hotsplice::patchobj
