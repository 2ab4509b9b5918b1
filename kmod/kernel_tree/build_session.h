// One run of hotsplice-build against a kernel tree: prepare (or reuse) the pristine tree,
// build the objects the diff touches before and after applying it, and compare each pair.
// The output directory keeps before/, after/, build.log and the reports.
#pragma once

#include <filesystem>
#include <vector>

#include "core/base/expected.h"
#include "kmod/elfdiff/report.h"
#include "kmod/kernel_tree/pristine_tree.h"

namespace hotsplice::kernel_tree {

struct SessionRequest {
  TreeSource tree;
  std::filesystem::path patch;
  // Optional diff applied to the tree before the "before" build, so that the patch is built
  // against a source that differs from the pristine one (what-if builds, and the tests of
  // the run-pre check, which need a before build that does not match the running kernel).
  std::filesystem::path baseline;
  std::filesystem::path output;
};

Expected<std::vector<elfdiff::ObjectReport>> run_session(const SessionRequest& request);

}  // namespace hotsplice::kernel_tree
