#include "kmod/elfdiff/refusal_rules.h"

#include <elf.h>

namespace hotsplice::elfdiff {
namespace {

void refuse(std::vector<Refusal>& refusals, const std::string& symbol, const char* reason,
            std::string message) {
  refusals.push_back({symbol, reason, std::move(message)});
}

// __init code is freed after boot (or module load) and __exit code runs only at unload:
// a new version of either would never run, so the fix would silently not apply.
void check_init_exit(const ObjectIndex& index, const FunctionUnit& unit, bool is_new,
                     std::vector<Refusal>& refusals) {
  const Section& section = index.section_of(unit.pieces.front());
  if (!is_init_or_exit(section)) return;
  refuse(refusals, unit.name, refusal::kInitExit,
         std::string(is_new ? "new" : "changed") + " function " + unit.name + " is in " +
             section.name +
             ": __init/__exit code runs only when the kernel or module starts or stops, so a "
             "live patch cannot apply this change");
}

// Livepatch redirects a function through the ftrace call at its entry; without one
// (notrace, or a compiler-generated piece) the old code would keep running.
void check_fentry(const ObjectIndex& before_index, const FunctionUnit& before,
                  const CompareOptions& options, std::vector<Refusal>& refusals) {
  if (!before_index.has_fentry_calls()) {
    // Kbuild drops CC_FLAGS_FTRACE for some directories and files (CFLAGS_REMOVE_x.o,
    // ccflags-remove-y): nothing there can be redirected. The module would build, and the
    // kernel would refuse it at load (EINVAL from klp_enable_patch).
    if (!options.requires_ftrace) return;
    refuse(refusals, before.name, refusal::kNoFtraceObject,
           "changed function " + before.name +
               " is in an object built without ftrace (its Makefile removes CC_FLAGS_FTRACE): "
               "livepatch redirects functions through the __fentry__ call ftrace adds, and "
               "this object has none");
    return;
  }
  if (is_init_or_exit(before_index.section_of(before.pieces.front()))) return;
  if (before_index.calls_fentry(before.pieces.front())) return;
  refuse(refusals, before.name, refusal::kNoFentry,
         "changed function " + before.name +
             " has no __fentry__ call (notrace or not traceable), so livepatch cannot "
             "redirect it");
}

void check_group(const ObjectIndex& index, const FunctionUnit& unit,
                 std::vector<Refusal>& refusals) {
  for (std::size_t piece : unit.pieces) {
    const Section& section = index.section_of(piece);
    if (section.group == 0) continue;
    refuse(refusals, unit.name, refusal::kSectionGroup,
           "function " + unit.name + " changed inside section group " +
               index.object().sections[section.group].name +
               " (COMDAT), whose copy the linker picks: it cannot be patched reliably");
    return;
  }
}

// Jump labels and static calls are patched by the module loader when the code that uses
// them is loaded, before livepatch relocations exist: a key that stays in the target
// module cannot be wired. A key inside a per-site record (the static key of a pr_debug's
// dynamic-debug descriptor) travels with the patch, which registers it as its own.
void check_module_keys(const ObjectIndex& index, const FunctionUnit& unit,
                       const CompareOptions& options, std::vector<Refusal>& refusals) {
  if (!options.object_is_module) return;
  for (std::size_t piece : unit.pieces) {
    for (const SpecialEntry& entry : index.signature(piece).special_entries) {
      if (!entry.key_symbol) continue;
      const Symbol& key = index.object().symbols[*entry.key_symbol];
      if (!key.defined() || index.is_per_site(key.index)) continue;
      refuse(refusals, unit.name, refusal::kSpecialSection,
             "function " + unit.name + " uses " + entry.table + " entries keyed by " + key.name +
                 ", which is defined in this module: jump labels and static calls keyed in "
                 "modules cannot be carried by a livepatch");
      return;
    }
  }
}

}  // namespace

void check_function_change(const ObjectIndex& before_index, const FunctionUnit* before,
                           const ObjectIndex& after_index, const FunctionUnit& after,
                           const CompareOptions& options, std::vector<Refusal>& refusals) {
  check_init_exit(after_index, after, before == nullptr, refusals);
  if (before) check_fentry(before_index, *before, options, refusals);
  check_group(after_index, after, refusals);
  check_module_keys(after_index, after, options, refusals);
}

void check_data_change(const ObjectIndex& before_index, const DataItem& before,
                       const ObjectIndex& after_index, const DataItem& after,
                       std::vector<Refusal>& refusals) {
  const Symbol& old_symbol = before_index.object().symbols[before.symbol];
  const Symbol& new_symbol = after_index.object().symbols[after.symbol];
  const Section& section = after_index.section_of(after.symbol);
  if (is_init_or_exit(section)) {
    refuse(refusals, new_symbol.name, refusal::kInitExit,
           "data " + new_symbol.name + " in " + section.name +
               " changed: __init/__exit data is used only when the kernel or module starts or "
               "stops, so a live patch cannot apply this change");
  } else if (old_symbol.size != new_symbol.size) {
    refuse(refusals, new_symbol.name, refusal::kDataSize,
           "data " + new_symbol.name + " changed size from " + std::to_string(old_symbol.size) +
               " to " + std::to_string(new_symbol.size) +
               " bytes: the running kernel's copy cannot be resized or re-laid out");
  } else {
    refuse(refusals, new_symbol.name, refusal::kDataInitialiser,
           "data " + new_symbol.name +
               " has a changed initial value: the running kernel's copy was initialised at "
               "boot (or load) and a patch cannot re-initialise it");
  }
}

}  // namespace hotsplice::elfdiff
