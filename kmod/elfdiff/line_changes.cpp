#include "kmod/elfdiff/line_changes.h"

#include <elf.h>

#include <array>
#include <optional>
#include <string_view>
#include <vector>

namespace hotsplice::elfdiff {
namespace {

// Kernel functions that take __LINE__ as an argument (directly or through a macro such as
// might_sleep(), ext4_error() or btrfs_handle_fs_error()).
constexpr std::array<std::string_view, 18> kLineTakingFunctions = {"__might_sleep",
                                                                   "__might_fault",
                                                                   "__might_resched",
                                                                   "__cant_sleep",
                                                                   "__cant_migrate",
                                                                   "__warn_printk",
                                                                   "_printk",
                                                                   "printk",
                                                                   "lockdep_rcu_suspicious",
                                                                   "__ext4_error",
                                                                   "__ext4_error_inode",
                                                                   "__ext4_error_file",
                                                                   "__ext4_std_error",
                                                                   "__ext4_warning",
                                                                   "__ext4_warning_inode",
                                                                   "__btrfs_handle_fs_error",
                                                                   "__btrfs_abort_transaction",
                                                                   "__xfs_printk"};

// How far ahead of the immediate the call may be (a few more argument set-ups).
constexpr std::uint64_t kMaxDistanceToCall = 64;
constexpr std::uint8_t kCallRel32 = 0xe8;

bool takes_line_number(std::string_view target) {
  // Targets are described as "extern:<name>+<addend>" or "function:<name>+<addend>".
  const std::size_t colon = target.find(':');
  const std::size_t plus = target.rfind('+');
  if (colon == std::string_view::npos || plus == std::string_view::npos || plus < colon)
    return false;
  const std::string_view name = target.substr(colon + 1, plus - colon - 1);
  for (std::string_view known : kLineTakingFunctions) {
    if (name == known) return true;
  }
  return false;
}

// Starts of 4-byte immediates of `mov $imm32, %r32` (B8+r, optionally after a REX prefix)
// that could cover byte `at`, judging by the bytes before it (equal in both versions).
std::vector<std::uint64_t> move_immediates_covering(const std::vector<std::uint8_t>& code,
                                                    std::uint64_t at) {
  std::vector<std::uint64_t> starts;
  for (std::uint64_t distance = 1; distance <= 4 && distance <= at; ++distance) {
    const std::uint8_t opcode = code[at - distance];
    if (opcode >= 0xb8 && opcode <= 0xbf && at - distance + 5 <= code.size()) {
      starts.push_back(at - distance + 1);
    }
  }
  return starts;
}

// Whether the first call after `from` (within reach) goes to a line-taking function.
bool next_call_takes_line(const Signature& signature, std::uint64_t from) {
  for (const RelocationView& relocation : signature.relocations) {
    if (relocation.offset < from) continue;
    if (relocation.offset > from + kMaxDistanceToCall) return false;
    const bool is_call = relocation.offset > 0 &&
                         signature.bytes[relocation.offset - 1] == kCallRel32 &&
                         (relocation.type == R_X86_64_PLT32 || relocation.type == R_X86_64_PC32);
    if (is_call) return takes_line_number(relocation.target);
  }
  return false;
}

}  // namespace

bool differs_only_in_line_numbers(const Signature& before, const Signature& after) {
  if (before.bytes.size() != after.bytes.size() || before.relocations != after.relocations) {
    return false;
  }
  bool any_difference = false;
  for (std::uint64_t at = 0; at < before.bytes.size(); ++at) {
    if (before.bytes[at] == after.bytes[at]) continue;
    any_difference = true;
    std::optional<std::uint64_t> line_argument;
    for (std::uint64_t start : move_immediates_covering(before.bytes, at)) {
      if (next_call_takes_line(before, start + 4)) line_argument = start;
    }
    if (!line_argument) return false;
    at = *line_argument + 3;  // the rest of this immediate is the same argument
  }
  return any_difference;
}

}  // namespace hotsplice::elfdiff
