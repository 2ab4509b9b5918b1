#include "kmod/patchobj/target_symbols.h"

#include <elf.h>

#include <algorithm>
#include <sstream>
#include <string_view>

#include "core/base/file_io.h"
#include "kmod/elfdiff/elf_object.h"
#include "kmod/patchobj/error_codes.h"

namespace hotsplice::patchobj {

Expected<Exports> Exports::from_symvers(const std::filesystem::path& path) {
  auto text = read_file(path, std::size_t{64} << 20);
  if (!text) return text.error();
  Exports exports;
  std::istringstream lines(*text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string crc, name, module;
    if (!std::getline(fields, crc, '\t') || !std::getline(fields, name, '\t') ||
        !std::getline(fields, module, '\t')) {
      continue;
    }
    // "drivers/block/null_blk/null_blk" -> "null_blk"; module names use '_' for '-'.
    std::string binary = module.substr(module.find_last_of('/') + 1);
    std::replace(binary.begin(), binary.end(), '-', '_');
    exports.exporter_[name] = binary;
  }
  if (exports.exporter_.empty())
    return Error(errc::kInvalidSymvers, path.string() + " lists no exports");
  return exports;
}

std::string Exports::exporter_of(const std::string& name) const {
  auto it = exporter_.find(name);
  return it == exporter_.end() ? std::string() : it->second;
}

void SymbolPositions::index() {
  for (std::size_t i = 0; i < symbols_.size(); ++i) occurrences_[symbols_[i].name].push_back(i);
}

Expected<SymbolPositions> SymbolPositions::from_kallsyms(const std::string& text,
                                                         const std::string& object) {
  SymbolPositions positions;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string address, type, name, module;
    if (!(fields >> address >> type >> name)) continue;
    fields >> module;
    const std::string owner = module.empty() ? "vmlinux" : module.substr(1, module.size() - 2);
    if (owner != object) continue;
    positions.symbols_.push_back({name, !type.empty() && std::isupper(type[0]) != 0});
  }
  if (positions.symbols_.empty()) {
    return Error(errc::kSymbolNotFound, "kallsyms lists no symbols of " + object);
  }
  positions.index();
  return positions;
}

Expected<SymbolPositions> SymbolPositions::from_module_file(const std::filesystem::path& path) {
  auto module = elfdiff::ElfObject::load(path);
  if (!module) return module.error();
  SymbolPositions positions;
  for (const elfdiff::Symbol& symbol : module->symbols) {
    // The kernel keeps named symbols of allocated sections other than init code.
    if (symbol.index == 0 || symbol.name.empty() || symbol.type == STT_SECTION) continue;
    if (symbol.section == 0 || symbol.type == STT_FILE) continue;
    const elfdiff::Section& section = module->sections[symbol.section];
    if ((section.flags & SHF_ALLOC) == 0 || section.name.starts_with(".init")) continue;
    positions.symbols_.push_back({symbol.name, symbol.binding != STB_LOCAL});
  }
  positions.index();
  return positions;
}

// How many of the object's own symbols (sequence, in emission order) sit at their expected
// distance from the occurrence at `at`, within a little slack for symbols one build has and
// the other lacks (a .cold piece placed elsewhere, an inlined copy).
std::size_t SymbolPositions::sequence_score(std::size_t at, const std::string& name,
                                            const std::vector<std::string>& sequence) const {
  constexpr long kSlack = 2;
  const auto own = std::find(sequence.begin(), sequence.end(), name);
  if (own == sequence.end()) return 0;
  const long k = own - sequence.begin();
  std::size_t score = 0;
  for (long j = 0; j < static_cast<long>(sequence.size()); ++j) {
    if (j == k) continue;
    const long expected = static_cast<long>(at) + (j - k);
    // Nearest first; an exact distance counts most.
    for (long e : {0L, -1L, 1L, -kSlack, kSlack}) {
      const long index = expected + e;
      if (index < 0 || index >= static_cast<long>(symbols_.size())) continue;
      if (symbols_[static_cast<std::size_t>(index)].name == sequence[static_cast<std::size_t>(j)]) {
        score += static_cast<std::size_t>(kSlack + 1 - (e < 0 ? -e : e));
        break;
      }
    }
  }
  return score;
}

// "name,1 (between a and b), name,2 (...)": each occurrence with its kallsyms neighbours,
// so whoever reads a refusal can find the files that define the name.
std::string SymbolPositions::describe_candidates(const std::string& name) const {
  constexpr std::size_t kListed = 8;
  const std::vector<std::size_t>& places = occurrences_.at(name);
  std::string text;
  for (std::size_t k = 0; k < places.size() && k < kListed; ++k) {
    const std::size_t at = places[k];
    if (!text.empty()) text += ", ";
    text += name + "," + std::to_string(k + 1) + " (between " +
            (at > 0 ? symbols_[at - 1].name : std::string("the start")) + " and " +
            (at + 1 < symbols_.size() ? symbols_[at + 1].name : std::string("the end")) + ")";
  }
  if (places.size() > kListed) text += " and " + std::to_string(places.size() - kListed) + " more";
  return text;
}

Expected<std::size_t> SymbolPositions::position(const std::string& name, bool global,
                                                const std::set<std::string>& neighbours,
                                                const std::vector<std::string>& sequence) const {
  auto found = occurrences_.find(name);
  if (found == occurrences_.end()) {
    return Error(errc::kSymbolNotFound,
                 name +
                     " is not in the target's symbol table (source, config or compiler "
                     "differ from the running kernel?)");
  }
  const std::vector<std::size_t>& places = found->second;
  if (places.size() == 1) return std::size_t{0};
  // A global name is unique among globals; a local is found by the company it keeps:
  // the other symbols of its object file sit next to it in address order. Company is
  // counted as distinct names present near the occurrence, not weighted by distance:
  // where every file of a subsystem defines the same statics, a distance weight would
  // pick whichever copy happens to sit a little nearer to the others (a guess).
  // The object's own symbols form one run, no longer than the object has symbols.
  const std::size_t window = std::min<std::size_t>(64, neighbours.size());
  std::size_t best = 0, best_score = 0, ties = 0;
  for (std::size_t k = 0; k < places.size(); ++k) {
    const std::size_t at = places[k];
    std::size_t score = 0;
    if (global && symbols_[at].global) score += 100000;
    const std::size_t begin = at > window ? at - window : 0;
    const std::size_t end = std::min(symbols_.size(), at + window + 1);
    std::set<std::string_view> present;
    for (std::size_t i = begin; i < end; ++i) {
      if (i != at && neighbours.count(symbols_[i].name)) present.insert(symbols_[i].name);
    }
    score += present.size();
    if (score > best_score) {
      best = k, best_score = score, ties = 0;
    } else if (score == best_score) {
      ++ties;
    }
  }
  if ((best_score == 0 || ties != 0) && !sequence.empty()) {
    // Only when the neighbourhood does not decide: it never overrides an answer it gives.
    std::size_t best_sequence = 0, best_sequence_score = 0, sequence_ties = 0;
    for (std::size_t k = 0; k < places.size(); ++k) {
      const std::size_t score = sequence_score(places[k], name, sequence);
      if (score > best_sequence_score) {
        best_sequence = k, best_sequence_score = score, sequence_ties = 0;
      } else if (score == best_sequence_score) {
        ++sequence_ties;
      }
    }
    if (best_sequence_score > 0 && sequence_ties == 0) return best_sequence + 1;
  }
  if (best_score == 0 || ties != 0) {
    return Error(errc::kSymbolAmbiguous,
                 name + " occurs " + std::to_string(places.size()) +
                     " times in the target and neither the object's neighbouring symbols nor "
                     "the order of its own symbols tells which is the patched one; candidates: " +
                     describe_candidates(name));
  }
  return best + 1;
}

}  // namespace hotsplice::patchobj
