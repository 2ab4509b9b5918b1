// Machine code as decoded x86-64 instructions (Zydis), for every place the builder reasons
// about code: where a PC-relative field's instruction ends, which register an immediate is
// loaded into, where basic blocks end, and the listing `objects --explain` prints. Bytes
// are never scanned for opcode values: a byte that looks like `mov $imm, %reg` may be a
// ModRM, SIB or displacement byte of another instruction.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace hotsplice::elfdiff {

enum class FlowKind {
  sequential,  // falls through to the next instruction
  call,        // call (returns to the next instruction, clobbers argument registers)
  jump,        // jmp / jcc / loop / jrcxz: ends a basic block
  stop,        // ret, iret, ud2, int3, hlt...: ends a basic block, does not fall through
};

struct Instruction {
  std::uint64_t offset = 0;  // from the start of the decoded bytes
  std::uint8_t length = 0;   // 1 for an undecodable byte (then `valid` is false)
  bool valid = false;
  FlowKind flow = FlowKind::sequential;
  // Target of a relative branch or call (offset from the start of the decoded bytes).
  std::optional<std::int64_t> branch_target;
  // The immediate field (first immediate) within the instruction: offset and size in bytes.
  std::uint8_t immediate_offset = 0;
  std::uint8_t immediate_size = 0;
  // For `mov $imm, %reg`: the System V argument index of the destination register
  // (0 = rdi ... 5 = r9, any width), else nullopt.
  std::optional<int> loads_argument;
  // Argument registers (0..5, any width) the instruction writes, as a bit mask.
  std::uint8_t writes_arguments = 0;

  std::uint64_t end() const { return offset + length; }
};

// Decodes `code` linearly from its first byte (one function or one -ffunction-sections
// section). An undecodable byte becomes a 1-byte invalid instruction and decoding goes on,
// so the result always covers every byte. Never fails; cost is linear in code.size().
std::vector<Instruction> decode_code(std::span<const std::uint8_t> code);

// The instruction covering byte `offset`, or nullptr (instructions sorted by offset).
const Instruction* instruction_at(const std::vector<Instruction>& instructions,
                                  std::uint64_t offset);

// AT&T text of the instruction at `offset` of `code` (e.g. "movl $0x1, 0x0(%rip)"), or
// "(bad)" when it does not decode.
std::string format_instruction(std::span<const std::uint8_t> code, std::uint64_t offset);

}  // namespace hotsplice::elfdiff
