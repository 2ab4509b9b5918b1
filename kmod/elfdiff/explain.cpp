#include "kmod/elfdiff/explain.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "kmod/elfdiff/comparison.h"
#include "kmod/elfdiff/error_codes.h"
#include "kmod/elfdiff/symbol_names.h"
#include "kmod/elfdiff/x86_decoder.h"

namespace hotsplice::elfdiff {
namespace {

constexpr std::size_t kContextBefore = 3;
constexpr std::size_t kLinesAfter = 6;
constexpr std::size_t kColumn = 52;
constexpr std::size_t kMaxTarget = 48;

// Printable ASCII only: names and string contents come from untrusted objects.
std::string printable(const std::string& text, std::size_t limit) {
  std::string out;
  for (unsigned char c : text) {
    if (out.size() >= limit) {
      out += "...";
      break;
    }
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", c);
      out += escaped;
    }
  }
  return out;
}

const FunctionUnit* find_unit(const ObjectIndex& index, const std::string& name) {
  for (const FunctionUnit& unit : index.functions()) {
    if (unit.name == name) return &unit;
  }
  return nullptr;
}

// The unit of the other build that pairing matches with `unit` (nullptr if none).
const FunctionUnit* counterpart(const ObjectIndex& from, const FunctionUnit& unit,
                                const ObjectIndex& to, bool from_is_after) {
  const auto from_candidates = unit_candidates(from);
  const auto to_candidates = unit_candidates(to);
  const Pairing pairing = from_is_after ? pair_candidates(to_candidates, from_candidates)
                                        : pair_candidates(from_candidates, to_candidates);
  const std::size_t position = static_cast<std::size_t>(&unit - from.functions().data());
  for (auto [old_index, new_index] : pairing.matched) {
    const std::size_t mine = from_is_after ? new_index : old_index;
    const std::size_t theirs = from_is_after ? old_index : new_index;
    if (mine == position) return &to.functions()[theirs];
  }
  return nullptr;
}

struct Line {
  std::string text;  // decoded instruction with its relocation target
  std::vector<std::uint8_t> bytes;
  std::vector<RelocationView> relocations;
  bool operator==(const Line& other) const {
    return bytes == other.bytes && relocations == other.relocations;
  }
};

std::vector<Line> listing(const Signature& signature) {
  std::vector<Line> lines;
  for (const Instruction& instruction : decode_code(signature.bytes)) {
    Line line;
    char offset[16];
    std::snprintf(offset, sizeof(offset),
                  "%4llx: ", static_cast<unsigned long long>(instruction.offset));
    line.text = offset + format_instruction(signature.bytes, instruction.offset);
    line.bytes.assign(signature.bytes.begin() + static_cast<std::ptrdiff_t>(instruction.offset),
                      signature.bytes.begin() + static_cast<std::ptrdiff_t>(instruction.end()));
    for (const RelocationView& relocation : signature.relocations) {
      if (relocation.offset >= instruction.offset && relocation.offset < instruction.end()) {
        line.relocations.push_back(relocation);
        line.text += "  <" + printable(relocation.target, kMaxTarget) + ">";
      }
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

std::string side_by_side(const std::string& left, const std::string& right, bool marked) {
  std::string row = marked ? "> " : "  ";
  row += left;
  if (left.size() < kColumn) row.append(kColumn - left.size(), ' ');
  return row + " | " + right + "\n";
}

std::string explain_piece(const std::string& name, const Signature& before,
                          const Signature& after) {
  const std::vector<Line> old_lines = listing(before);
  const std::vector<Line> new_lines = listing(after);
  std::size_t first = 0;
  while (first < old_lines.size() && first < new_lines.size() &&
         old_lines[first] == new_lines[first]) {
    ++first;
  }
  std::string text;
  if (first == old_lines.size() && first == new_lines.size()) {
    if (before.special_entries != after.special_entries) {
      return name + ": same instructions; its entries in the kernel's special tables differ\n";
    }
    return name + ": no difference\n";
  }
  text += name + ": first difference at instruction " + std::to_string(first + 1) + "\n";
  text += side_by_side("before", "after", false);
  const std::size_t from = first > kContextBefore ? first - kContextBefore : 0;
  const std::size_t to = first + kLinesAfter;
  for (std::size_t i = from; i < to; ++i) {
    if (i >= old_lines.size() && i >= new_lines.size()) break;
    const std::string left = i < old_lines.size() ? old_lines[i].text : "";
    const std::string right = i < new_lines.size() ? new_lines[i].text : "";
    text += side_by_side(left, right, i == first);
  }
  return text;
}

}  // namespace

Expected<std::string> explain_function(const ObjectIndex& before, const ObjectIndex& after,
                                       const std::string& function) {
  const FunctionUnit* new_unit = find_unit(after, function);
  const FunctionUnit* old_unit = find_unit(before, function);
  if (new_unit != nullptr) {
    old_unit = counterpart(after, *new_unit, before, true);
  } else if (old_unit != nullptr) {
    new_unit = counterpart(before, *old_unit, after, false);
  } else {
    return Error(errc::kUnknownFunction,
                 "no function named " + printable(function, 200) + " in either build");
  }
  if (old_unit == nullptr)
    return printable(function, 200) + ": new function (not in the before build)\n";
  if (new_unit == nullptr) return printable(function, 200) + ": removed (not in the after build)\n";
  std::map<std::string, std::size_t> old_pieces;
  for (std::size_t piece : old_unit->pieces) {
    old_pieces[correlation_name(before.object().symbols[piece].name)] = piece;
  }
  std::string text;
  for (std::size_t piece : new_unit->pieces) {
    const std::string& name = after.object().symbols[piece].name;
    auto match = old_pieces.find(correlation_name(name));
    if (match == old_pieces.end()) {
      text += printable(name, 200) + ": new piece\n";
      continue;
    }
    text += explain_piece(printable(name, 200), before.signature(match->second),
                          after.signature(piece));
    old_pieces.erase(match);
  }
  for (const auto& [key, piece] : old_pieces) {
    text += printable(before.object().symbols[piece].name, 200) + ": piece removed\n";
  }
  return text;
}

}  // namespace hotsplice::elfdiff
