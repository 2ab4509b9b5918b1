// What the running kernel knows about its symbols, which decides how the patch refers to
// them: which names the module loader resolves (exports, from Module.symvers) and the
// position (`sympos`) of a name among same-named symbols of one object, in the order the
// livepatch core counts them (kallsyms order: /proc/kallsyms of that exact kernel for
// vmlinux, the module's own symbol table for a module).
#pragma once

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/base/expected.h"

namespace hotsplice::patchobj {

// name -> "vmlinux" or the exporting module's name.
class Exports {
 public:
  // Parses Module.symvers (crc, name, module path, export type, namespace).
  static Expected<Exports> from_symvers(const std::filesystem::path& path);
  // The binary exporting the name, empty if none does.
  std::string exporter_of(const std::string& name) const;

 private:
  std::map<std::string, std::string> exporter_;
};

struct OrderedSymbol {
  std::string name;
  bool global = false;
};

class SymbolPositions {
 public:
  // The lines of /proc/kallsyms that belong to `object` ("vmlinux": lines without a
  // [module] column).
  static Expected<SymbolPositions> from_kallsyms(const std::string& text,
                                                 const std::string& object);
  // The symbols of a module file (.ko) the kernel keeps in the module's kallsyms.
  static Expected<SymbolPositions> from_module_file(const std::filesystem::path& path);

  // 0 when the name is unique, else the 1-based position of the occurrence whose
  // neighbourhood holds most of `neighbours` (other symbols of the same object file).
  // When that does not decide (a static every file of a subsystem defines, among names
  // those files share), `sequence` does: the object's own symbols of the same kind in the
  // order the compiler emitted them, matched at their distance from each occurrence.
  // Fails with "symbol_not_found" or "symbol_ambiguous".
  Expected<std::size_t> position(const std::string& name, bool global,
                                 const std::set<std::string>& neighbours,
                                 const std::vector<std::string>& sequence = {}) const;

  const std::vector<OrderedSymbol>& symbols() const { return symbols_; }

 private:
  std::vector<OrderedSymbol> symbols_;
  std::map<std::string, std::vector<std::size_t>> occurrences_;
  void index();
  std::string describe_candidates(const std::string& name) const;
  std::size_t sequence_score(std::size_t at, const std::string& name,
                             const std::vector<std::string>& sequence) const;
};

}  // namespace hotsplice::patchobj
