// The changes a live patch cannot carry, each turned into a Refusal that names the symbol
// and says why. The comparison decides what changed; these rules decide what is allowed.
#pragma once

#include <vector>

#include "kmod/elfdiff/object_index.h"
#include "kmod/elfdiff/report.h"

namespace hotsplice::elfdiff {

struct CompareOptions {
  // The object is linked into a loadable module (compiled with -DMODULE), not vmlinux.
  bool object_is_module = false;
  // The object comes from a kernel build and is to become a live patch: it must have been
  // compiled with ftrace (-pg -mfentry). Off for arbitrary object pairs (`objects`).
  bool requires_ftrace = false;
};

// A changed function (before != nullptr) or a new one (before == nullptr).
void check_function_change(const ObjectIndex& before_index, const FunctionUnit* before,
                           const ObjectIndex& after_index, const FunctionUnit& after,
                           const CompareOptions& options, std::vector<Refusal>& refusals);

// An existing data object whose contents or size differ between the builds.
void check_data_change(const ObjectIndex& before_index, const DataItem& before,
                       const ObjectIndex& after_index, const DataItem& after,
                       std::vector<Refusal>& refusals);

}  // namespace hotsplice::elfdiff
