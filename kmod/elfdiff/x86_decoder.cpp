#include "kmod/elfdiff/x86_decoder.h"

#include <Zydis/Zydis.h>

#include <algorithm>
#include <array>

namespace hotsplice::elfdiff {
namespace {

const ZydisDecoder& decoder() {
  static const ZydisDecoder instance = [] {
    ZydisDecoder d;
    ZydisDecoderInit(&d, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
    return d;
  }();
  return instance;
}

// System V AMD64 integer argument registers, in order.
constexpr std::array<ZydisRegister, 6> kArgumentRegisters = {ZYDIS_REGISTER_RDI, ZYDIS_REGISTER_RSI,
                                                             ZYDIS_REGISTER_RDX, ZYDIS_REGISTER_RCX,
                                                             ZYDIS_REGISTER_R8,  ZYDIS_REGISTER_R9};

std::optional<int> argument_index(ZydisRegister reg) {
  const ZydisRegister full = ZydisRegisterGetLargestEnclosing(ZYDIS_MACHINE_MODE_LONG_64, reg);
  for (std::size_t i = 0; i < kArgumentRegisters.size(); ++i) {
    if (kArgumentRegisters[i] == full) return static_cast<int>(i);
  }
  return std::nullopt;
}

FlowKind flow_of(const ZydisDecodedInstruction& instruction) {
  switch (instruction.meta.category) {
    case ZYDIS_CATEGORY_CALL:
      return FlowKind::call;
    case ZYDIS_CATEGORY_COND_BR:
    case ZYDIS_CATEGORY_UNCOND_BR:
      return FlowKind::jump;
    case ZYDIS_CATEGORY_RET:
    case ZYDIS_CATEGORY_INTERRUPT:
    case ZYDIS_CATEGORY_SYSTEM:
      return FlowKind::stop;
    default:
      break;
  }
  if (instruction.mnemonic == ZYDIS_MNEMONIC_UD2 || instruction.mnemonic == ZYDIS_MNEMONIC_UD1 ||
      instruction.mnemonic == ZYDIS_MNEMONIC_HLT) {
    return FlowKind::stop;
  }
  return FlowKind::sequential;
}

Instruction describe(const ZydisDecodedInstruction& decoded, const ZydisDecodedOperand* operands,
                     std::uint64_t offset) {
  Instruction result;
  result.offset = offset;
  result.length = decoded.length;
  result.valid = true;
  result.flow = flow_of(decoded);
  if (decoded.raw.imm[0].size != 0) {
    result.immediate_offset = decoded.raw.imm[0].offset;
    result.immediate_size = static_cast<std::uint8_t>(decoded.raw.imm[0].size / 8);
  }
  for (std::uint8_t i = 0; i < decoded.operand_count; ++i) {
    const ZydisDecodedOperand& operand = operands[i];
    if (operand.type == ZYDIS_OPERAND_TYPE_IMMEDIATE && operand.imm.is_relative &&
        result.flow != FlowKind::sequential) {
      result.branch_target =
          static_cast<std::int64_t>(offset + decoded.length) + operand.imm.value.s;
    }
    if (operand.type == ZYDIS_OPERAND_TYPE_REGISTER &&
        (operand.actions & ZYDIS_OPERAND_ACTION_MASK_WRITE) != 0) {
      if (auto index = argument_index(operand.reg.value)) {
        result.writes_arguments |= static_cast<std::uint8_t>(1u << *index);
      }
    }
  }
  if (decoded.mnemonic == ZYDIS_MNEMONIC_MOV && decoded.operand_count_visible == 2 &&
      operands[0].type == ZYDIS_OPERAND_TYPE_REGISTER &&
      operands[1].type == ZYDIS_OPERAND_TYPE_IMMEDIATE) {
    result.loads_argument = argument_index(operands[0].reg.value);
  }
  return result;
}

}  // namespace

std::vector<Instruction> decode_code(std::span<const std::uint8_t> code) {
  std::vector<Instruction> instructions;
  std::uint64_t offset = 0;
  ZydisDecodedInstruction decoded;
  ZydisDecodedOperand operands[ZYDIS_MAX_OPERAND_COUNT];
  while (offset < code.size()) {
    const ZyanStatus status = ZydisDecoderDecodeFull(&decoder(), code.data() + offset,
                                                     code.size() - offset, &decoded, operands);
    if (ZYAN_SUCCESS(status)) {
      instructions.push_back(describe(decoded, operands, offset));
      offset += decoded.length;
    } else {
      Instruction bad;
      bad.offset = offset;
      bad.length = 1;
      bad.flow = FlowKind::stop;  // nothing can be assumed past a byte we cannot read
      instructions.push_back(bad);
      offset += 1;
    }
  }
  return instructions;
}

const Instruction* instruction_at(const std::vector<Instruction>& instructions,
                                  std::uint64_t offset) {
  auto after = std::upper_bound(instructions.begin(), instructions.end(), offset,
                                [](std::uint64_t value, const Instruction& instruction) {
                                  return value < instruction.offset;
                                });
  if (after == instructions.begin()) return nullptr;
  const Instruction& candidate = *std::prev(after);
  return offset < candidate.end() ? &candidate : nullptr;
}

std::string format_instruction(std::span<const std::uint8_t> code, std::uint64_t offset) {
  if (offset >= code.size()) return "(bad)";
  ZydisDecodedInstruction decoded;
  ZydisDecodedOperand operands[ZYDIS_MAX_OPERAND_COUNT];
  if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&decoder(), code.data() + offset, code.size() - offset,
                                           &decoded, operands))) {
    return "(bad)";
  }
  ZydisFormatter formatter;
  ZydisFormatterInit(&formatter, ZYDIS_FORMATTER_STYLE_ATT);
  char text[256];
  if (!ZYAN_SUCCESS(ZydisFormatterFormatInstruction(&formatter, &decoded, operands,
                                                    decoded.operand_count_visible, text,
                                                    sizeof(text), offset, ZYAN_NULL))) {
    return "(bad)";
  }
  return text;
}

}  // namespace hotsplice::elfdiff
