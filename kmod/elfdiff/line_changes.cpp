#include "kmod/elfdiff/line_changes.h"

#include <elf.h>

#include <algorithm>
#include <array>
#include <set>
#include <utility>
#include <vector>

#include "kmod/elfdiff/x86_decoder.h"

namespace hotsplice::elfdiff {
namespace {

// Kernel 6.1 functions that take __LINE__ as a fixed argument (through might_sleep(),
// ext4_error(), btrfs_abort_transaction(), ASSERT() in xfs, ...), with its position.
constexpr std::array<std::pair<std::string_view, int>, 20> kLineTakingFunctions = {{
    {"__might_sleep", 1},
    {"__might_fault", 1},
    {"__might_resched", 1},
    {"__cant_sleep", 1},
    {"__cant_migrate", 1},
    {"lockdep_rcu_suspicious", 1},
    {"__warn", 1},
    {"warn_slowpath_fmt", 1},
    {"__ext4_error", 2},
    {"__ext4_error_inode", 2},
    {"__ext4_error_file", 2},
    {"__ext4_std_error", 2},
    {"__ext4_warning", 2},
    {"__ext4_warning_inode", 2},
    {"__ext4_grp_locked_error", 3},
    {"__btrfs_handle_fs_error", 2},
    {"__btrfs_abort_transaction", 2},
    {"assfail", 3},
    {"asswarn", 3},
    {"__ocfs2_error", 2},
}};

// Targets are described as "extern:<name>+<addend>" or "function:<name>+<addend>".
std::optional<int> line_argument_of_target(std::string_view target) {
  const std::size_t colon = target.find(':');
  const std::size_t plus = target.rfind('+');
  if (colon == std::string_view::npos || plus == std::string_view::npos || plus < colon)
    return std::nullopt;
  return line_argument_of(target.substr(colon + 1, plus - colon - 1));
}

const RelocationView* relocation_at(const Signature& signature, std::uint64_t offset) {
  for (const RelocationView& relocation : signature.relocations) {
    if (relocation.offset == offset) return &relocation;
  }
  return nullptr;
}

// Whether the immediate loaded by `load` (instruction index) is the line argument of a
// known call later in its basic block.
bool feeds_line_argument(const Signature& signature, const std::vector<Instruction>& code,
                         const std::set<std::int64_t>& block_starts, std::size_t load) {
  const int argument = *code[load].loads_argument;
  for (std::size_t i = load + 1; i < code.size(); ++i) {
    const Instruction& next = code[i];
    if (block_starts.count(static_cast<std::int64_t>(next.offset))) return false;
    if (!next.valid) return false;
    if (next.flow == FlowKind::call) {
      if (next.immediate_size == 0) return false;  // indirect call: target unknown
      const RelocationView* target = relocation_at(signature, next.offset + next.immediate_offset);
      if (target == nullptr) return false;
      return line_argument_of_target(target->target) == argument;
    }
    if (next.flow != FlowKind::sequential) return false;
    if (next.writes_arguments & (1u << argument)) return false;
  }
  return false;
}

std::set<std::int64_t> branch_targets(const std::vector<Instruction>& code) {
  std::set<std::int64_t> targets;
  for (const Instruction& instruction : code) {
    if (instruction.flow == FlowKind::jump && instruction.branch_target) {
      targets.insert(*instruction.branch_target);
    }
  }
  return targets;
}

}  // namespace

std::optional<int> line_argument_of(std::string_view function) {
  for (const auto& [name, position] : kLineTakingFunctions) {
    if (name == function) return position;
  }
  return std::nullopt;
}

bool differs_only_in_line_numbers(const Signature& before, const Signature& after) {
  if (before.bytes.size() != after.bytes.size() || before.relocations != after.relocations) {
    return false;
  }
  const std::vector<Instruction> old_code = decode_code(before.bytes);
  const std::vector<Instruction> new_code = decode_code(after.bytes);
  if (old_code.size() != new_code.size()) return false;
  const std::set<std::int64_t> old_blocks = branch_targets(old_code);
  const std::set<std::int64_t> new_blocks = branch_targets(new_code);
  bool any_difference = false;
  for (std::size_t i = 0; i < old_code.size(); ++i) {
    const Instruction& old_instruction = old_code[i];
    const Instruction& new_instruction = new_code[i];
    if (old_instruction.offset != new_instruction.offset ||
        old_instruction.length != new_instruction.length) {
      return false;
    }
    const auto old_bytes =
        std::span(before.bytes).subspan(old_instruction.offset, old_instruction.length);
    const auto new_bytes =
        std::span(after.bytes).subspan(new_instruction.offset, new_instruction.length);
    if (std::equal(old_bytes.begin(), old_bytes.end(), new_bytes.begin())) continue;
    any_difference = true;
    // Only the immediate of a `mov $imm, %reg` may differ, never an opcode, ModRM or
    // displacement byte, and the register must be the same in both versions.
    if (!old_instruction.loads_argument ||
        old_instruction.loads_argument != new_instruction.loads_argument ||
        old_instruction.immediate_size == 0 ||
        old_instruction.immediate_offset != new_instruction.immediate_offset) {
      return false;
    }
    for (std::size_t at = 0; at < old_bytes.size(); ++at) {
      const bool in_immediate =
          at >= old_instruction.immediate_offset &&
          at < old_instruction.immediate_offset + old_instruction.immediate_size;
      if (old_bytes[at] != new_bytes[at] && !in_immediate) return false;
    }
    if (!feeds_line_argument(before, old_code, old_blocks, i) ||
        !feeds_line_argument(after, new_code, new_blocks, i)) {
      return false;
    }
  }
  return any_difference;
}

}  // namespace hotsplice::elfdiff
