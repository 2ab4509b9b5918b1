// The view of one object that comparison needs: its functions grouped into units (a
// function with its .cold/.part pieces), its data objects, and a stable description of
// every relocation target that does not depend on numbering or layout (a symbol's
// normalised name, a string literal's content, an anonymous table's content). Two builds
// of the same source give equal descriptions; any change the code can observe gives
// different ones.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/base/expected.h"
#include "kmod/elfdiff/elf_object.h"
#include "kmod/elfdiff/section_kinds.h"
#include "kmod/elfdiff/x86_decoder.h"

namespace hotsplice::elfdiff {

struct FunctionUnit {
  std::string name;                 // symbol name of the function, e.g. "foo.isra.0"
  std::string key;                  // correlation_name(name), e.g. "foo.isra"
  std::vector<std::size_t> pieces;  // symbol indices: [0] the function, then its pieces
};

struct DataItem {
  std::size_t symbol = 0;
  std::string key;  // correlation_name of the symbol
};

struct RelocationView {
  std::uint64_t offset = 0;  // from the start of the symbol
  std::uint32_t type = 0;
  std::string target;  // description of what it points to
  bool operator==(const RelocationView&) const = default;
};

// One entry of a special table (__bug_table, __jump_table, ...) that points into a function.
struct SpecialEntry {
  std::string description;  // table name, relevant bytes and relocation targets
  std::string table;
  std::optional<std::size_t> key_symbol;  // the static key of a jump label or static call
  bool operator==(const SpecialEntry& other) const { return description == other.description; }
};

// The comparable content of one function piece or data object.
struct Signature {
  std::vector<std::uint8_t> bytes;  // with every relocated field zeroed
  std::vector<RelocationView> relocations;
  std::vector<SpecialEntry> special_entries;
};

class ObjectIndex {
 public:
  // Fails with "invalid_object" when a special table is malformed.
  static Expected<ObjectIndex> build(const ElfObject& object);

  const ElfObject& object() const { return *object_; }
  const std::vector<FunctionUnit>& functions() const { return functions_; }
  const std::vector<DataItem>& data() const { return data_; }
  SectionKind kind_of(std::size_t section) const { return kinds_[section]; }
  const Section& section_of(std::size_t symbol) const;

  // Whether any code calls __fentry__ (the object was built with -pg -mfentry).
  bool has_fentry_calls() const { return has_fentry_calls_; }
  bool calls_fentry(std::size_t function_symbol) const;

  // Keys of the function units whose code refers to the symbol.
  std::set<std::string> referrers(std::size_t symbol) const;

  Signature signature(std::size_t symbol) const;

  // Whether a data symbol is a per-call-site record (is_per_site_static by name, or any
  // object in a per-site record section: __dyndbg, the older __verbose, .printk_index).
  // Such records carry no state a patch must keep: they are never compared as data, code
  // is compared by what they mean, and a patch takes the new ones with it.
  bool is_per_site(std::size_t symbol) const;

  // The name a data object is paired and described by: its correlation name, marked when
  // it is a function-local static so that `counter.3` inside a function and a file-scope
  // `counter` are never taken for one another.
  std::string identity_name(const Symbol& symbol) const;

  // The symbol a relocation points at: the named symbol, or for a section-relative
  // relocation the function or object that contains the target; nullptr if none does.
  const Symbol* resolve(const Section& from, const Relocation& relocation) const;

  // The byte a relocation reaches, as an offset in the section of its symbol: symbol value
  // + addend, plus for a PC-relative field in code the distance from the field to the end
  // of its decoded instruction.
  std::int64_t target_point(const Section& from, const Relocation& relocation) const;

 private:
  explicit ObjectIndex(const ElfObject& object);
  Status index_special_entries();
  void build_units();
  void build_data();
  void index_references();

  // Bytes from the start of a PC-relative field to the end of its decoded instruction.
  std::uint64_t field_to_instruction_end(const Section& from, const Relocation& relocation) const;
  const Symbol* symbol_containing(std::size_t section, std::int64_t point) const;
  std::string describe(const Section& from, const Relocation& relocation, int depth) const;
  std::string describe_symbol(const Symbol& symbol, int depth) const;
  std::string describe_anonymous(const Section& section, std::int64_t point, int depth) const;
  std::string describe_range(const Section& section, std::uint64_t begin, std::uint64_t end,
                             int depth) const;
  std::vector<std::uint8_t> masked_bytes(const Section& section, std::uint64_t begin,
                                         std::uint64_t end) const;

  const ElfObject* object_;
  std::vector<SectionKind> kinds_;
  std::vector<std::vector<std::size_t>> symbols_by_section_;          // sorted by address
  std::vector<std::vector<std::uint64_t>> reference_points_;          // per anonymous section
  std::map<std::size_t, std::vector<SpecialEntry>> special_entries_;  // by function symbol
  std::map<std::size_t, std::set<std::string>> referrers_;
  std::vector<FunctionUnit> functions_;
  std::vector<DataItem> data_;
  bool has_fentry_calls_ = false;
  mutable std::map<std::tuple<std::size_t, std::int64_t, int>, std::string> anonymous_cache_;
  mutable std::map<std::size_t, std::vector<Instruction>> decoded_;  // code, by section
};

}  // namespace hotsplice::elfdiff
