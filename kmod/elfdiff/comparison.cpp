#include "kmod/elfdiff/comparison.h"

#include <algorithm>
#include <map>

#include "kmod/elfdiff/line_changes.h"
#include "kmod/elfdiff/pairing.h"
#include "kmod/elfdiff/symbol_names.h"

namespace hotsplice::elfdiff {
namespace {

bool same_piece(const Signature& before, const Signature& after) {
  if (before.relocations != after.relocations || before.special_entries != after.special_entries) {
    return false;
  }
  return before.bytes == after.bytes || differs_only_in_line_numbers(before, after);
}

// A unit is unchanged when it has the same pieces and each piece is the same.
bool same_unit(const ObjectIndex& before_index, const FunctionUnit& before,
               const ObjectIndex& after_index, const FunctionUnit& after) {
  if (before.pieces.size() != after.pieces.size()) return false;
  std::map<std::string, std::size_t> before_pieces;
  for (std::size_t piece : before.pieces) {
    before_pieces[correlation_name(before_index.object().symbols[piece].name)] = piece;
  }
  for (std::size_t piece : after.pieces) {
    auto match = before_pieces.find(correlation_name(after_index.object().symbols[piece].name));
    if (match == before_pieces.end()) return false;
    if (!same_piece(before_index.signature(match->second), after_index.signature(piece))) {
      return false;
    }
  }
  return true;
}

bool same_data(const ObjectIndex& before_index, const DataItem& before,
               const ObjectIndex& after_index, const DataItem& after) {
  const Symbol& old_symbol = before_index.object().symbols[before.symbol];
  const Symbol& new_symbol = after_index.object().symbols[after.symbol];
  if (old_symbol.size != new_symbol.size) return false;
  const Signature old_content = before_index.signature(before.symbol);
  const Signature new_content = after_index.signature(after.symbol);
  return old_content.bytes == new_content.bytes &&
         old_content.relocations == new_content.relocations;
}

// Names too ambiguous to pair within the work bound: any answer would be a guess.
void refuse_beyond_bound(const Pairing& pairing, const char* what, ObjectReport& report) {
  for (const std::string& key : pairing.beyond_bound) {
    report.refusals.push_back(
        {key, refusal::kAmbiguousNames,
         std::string("too many ") + what + " named " + key +
             " to pair the two builds by their users within the work bound (" +
             std::to_string(kMaxPairingWork) +
             " comparisons): refusing rather than guessing which is which"});
  }
}

void compare_functions(const ObjectIndex& before, const ObjectIndex& after,
                       const CompareOptions& options, ObjectReport& report) {
  const Pairing pairing = pair_candidates(unit_candidates(before), unit_candidates(after));
  refuse_beyond_bound(pairing, "functions", report);
  for (auto [old_index, new_index] : pairing.matched) {
    const FunctionUnit& old_unit = before.functions()[old_index];
    const FunctionUnit& new_unit = after.functions()[new_index];
    if (same_unit(before, old_unit, after, new_unit)) continue;
    report.changed_functions.push_back(new_unit.name);
    check_function_change(before, &old_unit, after, new_unit, options, report.refusals);
  }
  for (std::size_t index : pairing.only_after) {
    const FunctionUnit& unit = after.functions()[index];
    report.new_functions.push_back(unit.name);
    check_function_change(before, nullptr, after, unit, options, report.refusals);
  }
  for (std::size_t index : pairing.only_before) {
    report.removed_functions.push_back(before.functions()[index].name);
  }
}

void compare_data(const ObjectIndex& before, const ObjectIndex& after, ObjectReport& report) {
  const Pairing pairing = pair_candidates(data_candidates(before), data_candidates(after));
  refuse_beyond_bound(pairing, "data objects", report);
  for (auto [old_index, new_index] : pairing.matched) {
    const DataItem& old_item = before.data()[old_index];
    const DataItem& new_item = after.data()[new_index];
    if (same_data(before, old_item, after, new_item)) continue;
    report.changed_data.push_back(after.object().symbols[new_item.symbol].name);
    check_data_change(before, old_item, after, new_item, report.refusals);
  }
  for (std::size_t index : pairing.only_after) {
    report.new_data.push_back(after.object().symbols[after.data()[index].symbol].name);
  }
  for (std::size_t index : pairing.only_before) {
    const std::size_t symbol = before.data()[index].symbol;
    const std::string& name = before.object().symbols[symbol].name;
    report.removed_data.push_back(name);
    report.removed_data_users[name] = before.referrers(symbol);
  }
}

}  // namespace

std::vector<PairingCandidate> unit_candidates(const ObjectIndex& index) {
  std::vector<PairingCandidate> candidates;
  for (const FunctionUnit& unit : index.functions()) {
    candidates.push_back({unit.key, index.referrers(unit.pieces.front())});
  }
  return candidates;
}

std::vector<PairingCandidate> data_candidates(const ObjectIndex& index) {
  std::vector<PairingCandidate> candidates;
  for (const DataItem& item : index.data()) {
    candidates.push_back({item.key, index.referrers(item.symbol)});
  }
  return candidates;
}

ObjectReport compare_objects(const ObjectIndex& before, const ObjectIndex& after,
                             const CompareOptions& options) {
  ObjectReport report;
  report.object = after.object().path.string();
  compare_functions(before, after, options, report);
  compare_data(before, after, report);
  for (auto* names : {&report.changed_functions, &report.new_functions, &report.removed_functions,
                      &report.changed_data, &report.new_data, &report.removed_data}) {
    std::sort(names->begin(), names->end());
  }
  return report;
}

Expected<ObjectReport> compare_object_files(const std::filesystem::path& before,
                                            const std::filesystem::path& after,
                                            const std::string& display_name,
                                            const CompareOptions& options) {
  auto before_object = ElfObject::load(before);
  if (!before_object) return before_object.error();
  auto after_object = ElfObject::load(after);
  if (!after_object) return after_object.error();
  auto before_index = ObjectIndex::build(*before_object);
  if (!before_index) return before_index.error();
  auto after_index = ObjectIndex::build(*after_object);
  if (!after_index) return after_index.error();
  ObjectReport report = compare_objects(*before_index, *after_index, options);
  report.object = display_name;
  return report;
}

}  // namespace hotsplice::elfdiff
