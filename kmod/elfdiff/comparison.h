// Compares two builds of one object, function by function and data object by data object,
// and reports what changed and what of it cannot be live-patched.
#pragma once

#include <filesystem>
#include <string>

#include "core/base/expected.h"
#include "kmod/elfdiff/object_index.h"
#include "kmod/elfdiff/pairing.h"
#include "kmod/elfdiff/refusal_rules.h"
#include "kmod/elfdiff/report.h"

namespace hotsplice::elfdiff {

// What pairing works on: one candidate per function unit / data item, in index order.
std::vector<PairingCandidate> unit_candidates(const ObjectIndex& index);
std::vector<PairingCandidate> data_candidates(const ObjectIndex& index);

ObjectReport compare_objects(const ObjectIndex& before, const ObjectIndex& after,
                             const CompareOptions& options);

// Loads both files and compares them; the report names the object `display_name`.
Expected<ObjectReport> compare_object_files(const std::filesystem::path& before,
                                            const std::filesystem::path& after,
                                            const std::string& display_name,
                                            const CompareOptions& options);

}  // namespace hotsplice::elfdiff
