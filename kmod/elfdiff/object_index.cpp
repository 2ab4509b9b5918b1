#include "kmod/elfdiff/object_index.h"

#include <elf.h>

#include <algorithm>
#include <cstring>

#include "core/crypto/sha256.h"
#include "kmod/elfdiff/error_codes.h"
#include "kmod/elfdiff/symbol_names.h"
#include "kmod/elfdiff/x86_decoder.h"
#include "kmod/elfdiff/x86_relocations.h"

namespace hotsplice::elfdiff {
namespace {

// Descriptions of read-only data and anonymous tables include what they point to, but
// only this deep: enough to see through a jump table or a table of string pointers.
constexpr int kMaxDescriptionDepth = 2;

bool is_named_location(const Symbol& symbol) {
  if (symbol.name.empty() || symbol.name.starts_with(".L")) return false;
  return symbol.type == STT_FUNC || symbol.type == STT_OBJECT || symbol.type == STT_NOTYPE ||
         symbol.type == STT_TLS;
}

// Functions and objects win over untyped labels at the same address.
int location_rank(const Symbol& symbol) {
  return symbol.type == STT_NOTYPE ? 1 : 0;
}

// gcc -fsanitize=... puts each UBSAN data record in .data..Lubsan_data<N> (with
// -fdata-sections, as kbuild builds live patches); the line is bytes 8..12.
constexpr std::size_t kUbsanLineOffset = 8;
constexpr std::size_t kUbsanLineEnd = 12;

bool is_ubsan_record(const Section& section) {
  return section.name.starts_with(".data..Lubsan_data");
}

std::string strip_trailing_digits(std::string_view text) {
  std::size_t end = text.size();
  while (end > 0 && text[end - 1] >= '0' && text[end - 1] <= '9') --end;
  return std::string(text.substr(0, end));
}

auto relocations_in(const Section& section, std::uint64_t begin, std::uint64_t end) {
  auto first = std::lower_bound(section.relocations.begin(), section.relocations.end(), begin,
                                [](const Relocation& relocation, std::uint64_t offset) {
                                  return relocation.offset < offset;
                                });
  auto last = std::lower_bound(first, section.relocations.end(), end,
                               [](const Relocation& relocation, std::uint64_t offset) {
                                 return relocation.offset < offset;
                               });
  return std::pair{first, last};
}

}  // namespace

ObjectIndex::ObjectIndex(const ElfObject& object)
    : object_(&object),
      kinds_(object.sections.size(), SectionKind::ignored),
      symbols_by_section_(object.sections.size()),
      reference_points_(object.sections.size()) {}

Expected<ObjectIndex> ObjectIndex::build(const ElfObject& object) {
  ObjectIndex index(object);
  for (const Section& section : object.sections) index.kinds_[section.index] = classify(section);
  for (const Symbol& symbol : object.symbols) {
    if (symbol.defined() && is_named_location(symbol)) {
      index.symbols_by_section_[symbol.section].push_back(symbol.index);
    }
  }
  for (auto& symbols : index.symbols_by_section_) {
    std::stable_sort(symbols.begin(), symbols.end(), [&](std::size_t a, std::size_t b) {
      const Symbol& x = object.symbols[a];
      const Symbol& y = object.symbols[b];
      if (x.value != y.value) return x.value < y.value;
      return location_rank(x) < location_rank(y);
    });
  }
  index.build_units();
  index.build_data();
  index.index_references();
  if (auto status = index.index_special_entries(); !status) return status.error();
  return index;
}

const Section& ObjectIndex::section_of(std::size_t symbol) const {
  return object_->sections[object_->symbols[symbol].section];
}

void ObjectIndex::build_units() {
  std::map<std::string, std::size_t> unit_by_name;
  std::vector<std::size_t> pieces;
  for (const Symbol& symbol : object_->symbols) {
    if (symbol.type != STT_FUNC || !symbol.defined()) continue;
    if (kinds_[symbol.section] != SectionKind::code) continue;
    if (!parent_of_piece(symbol.name).empty()) {
      pieces.push_back(symbol.index);
      continue;
    }
    unit_by_name[symbol.name] = functions_.size();
    functions_.push_back({symbol.name, correlation_name(symbol.name), {symbol.index}});
  }
  // A piece whose parent was inlined everywhere stands alone under its own name.
  for (std::size_t piece : pieces) {
    const std::string& name = object_->symbols[piece].name;
    auto parent = unit_by_name.find(parent_of_piece(name));
    if (parent != unit_by_name.end()) {
      functions_[parent->second].pieces.push_back(piece);
    } else {
      unit_by_name[name] = functions_.size();
      functions_.push_back({name, correlation_name(name), {piece}});
    }
  }
}

void ObjectIndex::build_data() {
  for (const Symbol& symbol : object_->symbols) {
    if (symbol.type != STT_OBJECT && symbol.type != STT_TLS) continue;
    if (!symbol.defined() || kinds_[symbol.section] != SectionKind::data) continue;
    if (is_per_site(symbol.index)) continue;
    data_.push_back({symbol.index, identity_name(symbol)});
  }
}

bool ObjectIndex::is_per_site(std::size_t symbol_index) const {
  const Symbol& symbol = object_->symbols[symbol_index];
  if (is_per_site_static(correlation_name(symbol.name))) return true;
  if (!symbol.defined() || symbol.binding != STB_LOCAL) return false;
  const std::string_view section = object_->sections[symbol.section].name;
  return section.starts_with("__dyndbg") || section.starts_with("__verbose") ||
         section.starts_with(".printk_index") ||
         // the pi_entry a .printk_index pointer names (read-only, so copying is harmless)
         (correlation_name(symbol.name) == "_entry" &&
          !object_->sections[symbol.section].writable());
}

std::string ObjectIndex::identity_name(const Symbol& symbol) const {
  std::string name = correlation_name(symbol.name);
  if ((symbol.type == STT_OBJECT || symbol.type == STT_TLS) && symbol.binding == STB_LOCAL &&
      is_function_local_static(symbol.name)) {
    name += "(function-local)";
  }
  return name;
}

std::int64_t ObjectIndex::target_point(const Section& from, const Relocation& relocation) const {
  // The CPU adds a PC-relative field to the end of its instruction, and the assembler
  // biased the addend by the field's own offset: the target is symbol + addend + (end of
  // instruction - start of field). The instruction may carry an immediate after the field
  // (`movl $1, var(%rip)`, `cmpb $0, flag(%rip)`), so its end comes from the decoder.
  // In data (`.long sym - .`) the addend is the target itself.
  std::int64_t point = relocation.addend;
  if (is_pc_relative(relocation.type) && from.executable()) {
    point += static_cast<std::int64_t>(field_to_instruction_end(from, relocation));
  }
  const Symbol& symbol = object_->symbols[relocation.symbol];
  if (symbol.type != STT_SECTION) point += static_cast<std::int64_t>(symbol.value);
  return point;
}

std::uint64_t ObjectIndex::field_to_instruction_end(const Section& from,
                                                    const Relocation& relocation) const {
  const std::uint64_t width = relocation_width(relocation.type).value_or(0);
  auto cached = decoded_.find(from.index);
  if (cached == decoded_.end())
    cached = decoded_.emplace(from.index, decode_code(from.bytes)).first;
  const Instruction* instruction = instruction_at(cached->second, relocation.offset);
  if (instruction == nullptr || !instruction->valid ||
      instruction->end() < relocation.offset + width) {
    return width;  // not inside a decodable instruction: the field ends the instruction
  }
  return instruction->end() - relocation.offset;
}

const Symbol* ObjectIndex::symbol_containing(std::size_t section, std::int64_t point) const {
  const auto& symbols = symbols_by_section_[section];
  if (symbols.empty()) return nullptr;
  auto after = std::upper_bound(
      symbols.begin(), symbols.end(), point, [&](std::int64_t value, std::size_t symbol) {
        return value < static_cast<std::int64_t>(object_->symbols[symbol].value);
      });
  if (after != symbols.begin()) {
    // The last symbol starting at or before the point, preferring the best-ranked one
    // among symbols sharing that address.
    auto candidate = std::prev(after);
    const std::uint64_t start = object_->symbols[*candidate].value;
    while (candidate != symbols.begin() && object_->symbols[*std::prev(candidate)].value == start) {
      --candidate;
    }
    const Symbol& symbol = object_->symbols[*candidate];
    const std::int64_t end =
        static_cast<std::int64_t>(symbol.value + std::max<std::uint64_t>(symbol.size, 1));
    // One past the end of an object (`&array[N]`) still refers to that object.
    if (point <= end) return &symbol;
  }
  return nullptr;
}

const Symbol* ObjectIndex::resolve(const Section& from, const Relocation& relocation) const {
  const Symbol& symbol = object_->symbols[relocation.symbol];
  if (symbol.type != STT_SECTION) return &symbol;
  if (!symbol.defined()) return nullptr;
  return symbol_containing(symbol.section, target_point(from, relocation));
}

void ObjectIndex::index_references() {
  for (const FunctionUnit& unit : functions_) {
    for (std::size_t piece : unit.pieces) {
      const Symbol& symbol = object_->symbols[piece];
      const Section& section = object_->sections[symbol.section];
      auto [first, last] = relocations_in(section, symbol.value, symbol.value + symbol.size);
      for (auto it = first; it != last; ++it) {
        const Symbol* target = resolve(section, *it);
        if (!target) continue;
        if (target->name == "__fentry__") has_fentry_calls_ = true;
        if (target->defined()) referrers_[target->index].insert(unit.key);
      }
    }
  }
  // Anonymous sections (jump tables, replacement code) are cut at every referenced point,
  // so each referrer is compared with its own piece rather than the whole section.
  for (const Section& section : object_->sections) {
    if (kinds_[section.index] == SectionKind::ignored) continue;
    for (const Relocation& relocation : section.relocations) {
      const Symbol& symbol = object_->symbols[relocation.symbol];
      if (symbol.type != STT_SECTION || !symbol.defined()) continue;
      if (!symbols_by_section_[symbol.section].empty()) continue;
      const std::int64_t point = target_point(section, relocation);
      if (point >= 0)
        reference_points_[symbol.section].push_back(static_cast<std::uint64_t>(point));
    }
  }
  for (auto& points : reference_points_) {
    std::sort(points.begin(), points.end());
    points.erase(std::unique(points.begin(), points.end()), points.end());
  }
}

Status ObjectIndex::index_special_entries() {
  for (const Section& section : object_->sections) {
    if (kinds_[section.index] != SectionKind::special) continue;
    const SpecialTable* layout = find_special_table(section.name);
    if (!layout) {
      return Error(errc::kUnknownTableLayout,
                   object_->path.string() + ": section " + section.name +
                       ": the entry layout is unknown for the target kernel (" +
                       unknown_layout_reason(section.name).value_or("no layout") + ")");
    }
    const SpecialTable& table = *layout;
    if (section.size % table.entry_size != 0 || section.bytes.size() != section.size) {
      return Error(errc::kInvalidObject, object_->path.string() + ": section " + section.name +
                                             " is not a whole number of " +
                                             std::to_string(table.entry_size) + "-byte entries");
    }
    for (std::uint64_t begin = 0; begin < section.size; begin += table.entry_size) {
      const std::uint64_t end = begin + table.entry_size;
      auto [first, last] = relocations_in(section, begin, end);
      if (first == last || first->offset != begin) continue;  // not about a function
      const Symbol* owner = resolve(section, *first);
      if (!owner || owner->type != STT_FUNC) continue;
      // Resolve the entry to the function (or piece) it points into.
      SpecialEntry entry;
      entry.table = table.name;
      std::vector<std::uint8_t> bytes = masked_bytes(section, begin, end);
      std::fill_n(bytes.begin() + table.ignored_offset, table.ignored_size, 0);
      entry.description = table.name;
      entry.description.append(bytes.begin(), bytes.end());
      for (auto it = first; it != last; ++it) {
        entry.description += "|" + std::to_string(it->offset - begin) + ":" +
                             std::to_string(it->type) + ":" + describe(section, *it, 0);
        if (table.key_offset && it->offset - begin == *table.key_offset) {
          if (const Symbol* key = resolve(section, *it)) entry.key_symbol = key->index;
        }
      }
      special_entries_[owner->index].push_back(std::move(entry));
    }
  }
  return Status::ok();
}

bool ObjectIndex::calls_fentry(std::size_t function_symbol) const {
  const Symbol& symbol = object_->symbols[function_symbol];
  const Section& section = object_->sections[symbol.section];
  auto [first, last] = relocations_in(section, symbol.value, symbol.value + symbol.size);
  for (auto it = first; it != last; ++it) {
    if (object_->symbols[it->symbol].name == "__fentry__") return true;
  }
  return false;
}

std::set<std::string> ObjectIndex::referrers(std::size_t symbol) const {
  auto found = referrers_.find(symbol);
  return found == referrers_.end() ? std::set<std::string>{} : found->second;
}

std::vector<std::uint8_t> ObjectIndex::masked_bytes(const Section& section, std::uint64_t begin,
                                                    std::uint64_t end) const {
  if (section.bytes.size() < end || begin > end) return {};  // NOBITS: nothing to compare
  std::vector<std::uint8_t> bytes(section.bytes.begin() + begin, section.bytes.begin() + end);
  auto [first, last] = relocations_in(section, begin, end);
  for (auto it = first; it != last; ++it) {
    const std::uint64_t width = relocation_width(it->type).value_or(0);
    const std::uint64_t from = it->offset - begin;
    std::fill(bytes.begin() + from,
              bytes.begin() + std::min<std::uint64_t>(from + width, bytes.size()), 0);
  }
  return bytes;
}

Signature ObjectIndex::signature(std::size_t symbol_index) const {
  const Symbol& symbol = object_->symbols[symbol_index];
  const Section& section = object_->sections[symbol.section];
  Signature signature;
  signature.bytes = masked_bytes(section, symbol.value, symbol.value + symbol.size);
  auto [first, last] = relocations_in(section, symbol.value, symbol.value + symbol.size);
  for (auto it = first; it != last; ++it) {
    signature.relocations.push_back(
        {it->offset - symbol.value, it->type, describe(section, *it, 0)});
  }
  if (auto found = special_entries_.find(symbol_index); found != special_entries_.end()) {
    signature.special_entries = found->second;
  }
  return signature;
}

std::string ObjectIndex::describe(const Section& from, const Relocation& relocation,
                                  int depth) const {
  const Symbol& symbol = object_->symbols[relocation.symbol];
  if (!symbol.defined()) {
    return "extern:" + symbol.name + "+" + std::to_string(relocation.addend);
  }
  const Section& target = object_->sections[symbol.section];
  const std::int64_t point = target_point(from, relocation);
  // What the instruction adds to the target (the PC bias), never where the target lies:
  // a string reached through a `.LCn` / `.L.str.N` label or the section symbol must be
  // described the same wherever the string section placed it.
  const std::int64_t base =
      symbol.type == STT_SECTION ? 0 : static_cast<std::int64_t>(symbol.value);
  const std::int64_t bias = relocation.addend + base - point;
  if (kinds_[target.index] == SectionKind::strings) {
    std::string text = "string:";
    if (point >= 0 && static_cast<std::uint64_t>(point) < target.bytes.size()) {
      const char* start = reinterpret_cast<const char*>(target.bytes.data()) + point;
      text.append(start, strnlen(start, target.bytes.size() - static_cast<std::size_t>(point)));
    } else {
      text += "<outside>";
    }
    return text + "@" + std::to_string(bias);
  }
  if (const Symbol* location = resolve(from, relocation)) {
    const std::int64_t start =
        symbol.type == STT_SECTION ? static_cast<std::int64_t>(location->value) : 0;
    return describe_symbol(*location, depth) + "+" + std::to_string(relocation.addend - start);
  }
  return describe_anonymous(target, point, depth) + "@" + std::to_string(bias);
}

std::string ObjectIndex::describe_symbol(const Symbol& symbol, int depth) const {
  std::string text = (symbol.type == STT_FUNC ? "function:" : "symbol:") + identity_name(symbol);
  // Read-only local data (__func__, a const table) is part of the code that uses it: two
  // references are the same only when the data is the same.
  const Section& section = object_->sections[symbol.section];
  const bool read_only_local = symbol.binding == STB_LOCAL && symbol.type == STT_OBJECT &&
                               kinds_[section.index] == SectionKind::data && !section.writable();
  if (read_only_local && depth < kMaxDescriptionDepth) {
    text += "=" + sha256_hex(
                      describe_range(section, symbol.value, symbol.value + symbol.size, depth + 1));
  }
  return text;
}

std::string ObjectIndex::describe_anonymous(const Section& section, std::int64_t point,
                                            int depth) const {
  // UBSAN's records are numbered in order of appearance (.data..Lubsan_data12): the
  // number says nothing about what the record is.
  const std::string label =
      "anonymous:" + (is_ubsan_record(section) ? strip_trailing_digits(section.name)
                                               : correlation_name(section.name));
  if (depth >= kMaxDescriptionDepth || point < 0 ||
      static_cast<std::uint64_t>(point) >= section.size) {
    return label + "+" + std::to_string(point);
  }
  auto key = std::tuple{section.index, point, depth};
  if (auto cached = anonymous_cache_.find(key); cached != anonymous_cache_.end())
    return cached->second;
  const auto& points = reference_points_[section.index];
  auto next = std::upper_bound(points.begin(), points.end(), static_cast<std::uint64_t>(point));
  const std::uint64_t end = next == points.end() ? section.size : *next;
  std::string text =
      label + "=" +
      sha256_hex(describe_range(section, static_cast<std::uint64_t>(point), end, depth + 1));
  anonymous_cache_.emplace(key, text);
  return text;
}

std::string ObjectIndex::describe_range(const Section& section, std::uint64_t begin,
                                        std::uint64_t end, int depth) const {
  std::vector<std::uint8_t> bytes = masked_bytes(section, begin, end);
  // A UBSAN record starts with its source location {file, u32 line, u32 column}: a record
  // whose only change is the line is the same check at the same site.
  if (begin == 0 && is_ubsan_record(section) && bytes.size() >= kUbsanLineEnd) {
    std::fill(bytes.begin() + kUbsanLineOffset, bytes.begin() + kUbsanLineEnd, 0);
  }
  std::string text(bytes.begin(), bytes.end());
  text += "|size=" + std::to_string(end - begin);
  auto [first, last] = relocations_in(section, begin, end);
  for (auto it = first; it != last; ++it) {
    text += "|" + std::to_string(it->offset - begin) + ":" + std::to_string(it->type) + ":" +
            describe(section, *it, depth);
  }
  return text;
}

}  // namespace hotsplice::elfdiff
