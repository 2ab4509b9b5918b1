#include "kmod/patchobj/patch_object.h"

#include <elf.h>

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <string_view>

#include "kmod/elfdiff/comparison.h"
#include "kmod/elfdiff/symbol_names.h"
#include "kmod/elfdiff/x86_relocations.h"
#include "kmod/patchobj/error_codes.h"
#include "kmod/patchobj/run_pre_image.h"

namespace hotsplice::patchobj {
namespace {

// Livepatch symbols of vmlinux: their relocations are applied when the patch module loads.
constexpr std::string_view kVmlinuxLivepatchPrefix = ".klp.sym.vmlinux.";
// One .printk_index entry: a pointer to a struct pi_entry.
constexpr std::uint64_t kPointerSize = 8;

// An output section with the input section's name and attributes and no content yet.
OutputSection empty_copy_of(const elfdiff::Section& section) {
  OutputSection copy;
  copy.name = section.name;
  copy.type = section.type;
  copy.flags = section.flags;
  copy.alignment = section.alignment;
  copy.entry_size = section.entry_size;
  return copy;
}

using elfdiff::ElfObject;
using elfdiff::ObjectIndex;
using elfdiff::Relocation;
using elfdiff::Section;
using elfdiff::Symbol;

// Tables whose entries belong to the function their first field points into. Besides the
// tables the comparison knows, the ftrace call sites: they let ftrace turn the new code's
// __fentry__ calls into NOPs and trace it.
struct EntryTable {
  std::uint32_t entry_size;
  std::optional<std::uint32_t> key_offset;
};

std::optional<EntryTable> entry_table(const std::string& name) {
  if (name == "__mcount_loc") return EntryTable{8, std::nullopt};
  if (name == ".orc_unwind_ip") return EntryTable{4, std::nullopt};
  if (const auto* table = elfdiff::find_special_table(name)) {
    return EntryTable{table->entry_size, table->key_offset};
  }
  return std::nullopt;
}

class ObjectPatchBuilder {
 public:
  ObjectPatchBuilder(const ObjectPatchRequest& request, std::size_t ordinal,
                     RelocatableObject& output, std::set<std::string>& klp_objects)
      : request_(request), ordinal_(ordinal), output_(output), klp_objects_(klp_objects) {}

  Expected<ObjectPatch> run() {
    auto before = ElfObject::load(request_.before);
    if (!before) return before.error();
    auto after = ElfObject::load(request_.after);
    if (!after) return after.error();
    before_object_ = std::move(*before);
    after_object_ = std::move(*after);
    auto before_index = ObjectIndex::build(before_object_);
    if (!before_index) return before_index.error();
    auto after_index = ObjectIndex::build(after_object_);
    if (!after_index) return after_index.error();
    before_.emplace(std::move(*before_index));
    after_.emplace(std::move(*after_index));

    if (auto status = check_report(); !status) return status.error();
    pair_running_names();
    collect_neighbours();
    for (const elfdiff::FunctionUnit& unit : after_->functions()) {
      if (!included_units_.count(unit.name)) continue;
      for (std::size_t piece : unit.pieces) include_section(after_object_.symbols[piece].section);
    }
    define_patch_globals();
    if (auto status = drain(); !status) return status.error();
    if (auto status = copy_special_tables(); !status) return status.error();
    if (auto status = drain(); !status) return status.error();
    if (auto status = copy_printk_index(); !status) return status.error();
    if (auto status = drain(); !status) return status.error();
    return describe_replacements();
  }

 private:
  Status check_report() {
    elfdiff::CompareOptions options;
    options.object_is_module = request_.binary != "vmlinux";
    options.requires_ftrace = true;
    const elfdiff::ObjectReport report = elfdiff::compare_objects(*before_, *after_, options);
    if (!report.refusals.empty()) {
      std::string message = request_.after.string() + ": the change cannot be live-patched:";
      for (const auto& refusal : report.refusals) message += " " + refusal.message;
      return Error(errc::kPatchRefused, message);
    }
    for (const auto& name : report.changed_functions) included_units_.insert(name);
    for (const auto& name : report.new_functions) included_units_.insert(name);
    changed_units_ = report.changed_functions;
    return Status::ok();
  }

  // The running kernel was built from the before source: its names (numbered clones and
  // statics) are the before build's, found by pairing units and data the way the
  // comparison does.
  void pair_running_names() {
    const auto units = elfdiff::pair_candidates(elfdiff::unit_candidates(*before_),
                                                elfdiff::unit_candidates(*after_));
    for (auto [old_index, new_index] : units.matched) {
      const auto& old_unit = before_->functions()[old_index];
      const auto& new_unit = after_->functions()[new_index];
      running_unit_[new_unit.name] = &old_unit;
      for (std::size_t i = 0; i < new_unit.pieces.size() && i < old_unit.pieces.size(); ++i) {
        running_name_[new_unit.pieces[i]] = before_object_.symbols[old_unit.pieces[i]].name;
      }
    }
    const auto data = elfdiff::pair_candidates(elfdiff::data_candidates(*before_),
                                               elfdiff::data_candidates(*after_));
    for (auto [old_index, new_index] : data.matched) {
      running_name_[after_->data()[new_index].symbol] =
          before_object_.symbols[before_->data()[old_index].symbol].name;
    }
    for (std::size_t index : data.only_after) new_data_.insert(after_->data()[index].symbol);
    for (std::size_t index : units.only_after) {
      for (std::size_t piece : after_->functions()[index].pieces) new_functions_.insert(piece);
    }
  }

  void collect_neighbours() {
    std::vector<const Symbol*> functions, objects;
    for (const Symbol& symbol : before_object_.symbols) {
      if (symbol.defined() && (symbol.type == STT_FUNC || symbol.type == STT_OBJECT)) {
        neighbours_.insert(symbol.name);
        (symbol.type == STT_FUNC ? functions : objects).push_back(&symbol);
      }
    }
    // Emission order: with one section per symbol, section indices follow the compiler's
    // output order, which is the order of the running (not split) build's symbols.
    for (auto [list, sequence] :
         {std::pair{&functions, &function_sequence_}, std::pair{&objects, &data_sequence_}}) {
      std::stable_sort(list->begin(), list->end(), [](const Symbol* a, const Symbol* b) {
        return a->section != b->section ? a->section < b->section : a->value < b->value;
      });
      for (const Symbol* symbol : *list) sequence->push_back(symbol->name);
    }
  }

  const std::vector<std::string>& sequence_for(const Symbol& symbol) const {
    return symbol.type == STT_FUNC ? function_sequence_ : data_sequence_;
  }

  std::size_t include_section(std::size_t index) {
    if (auto found = copied_.find(index); found != copied_.end()) return found->second;
    const Section& section = after_object_.sections[index];
    OutputSection copy = empty_copy_of(section);
    copy.size = section.size;
    copy.bytes = section.bytes;
    const std::size_t output_index = output_.add_section(std::move(copy));
    copied_[index] = output_index;
    section_symbol_[index] = output_.add_symbol({"", STT_SECTION, STB_LOCAL, output_index, 0, 0});
    // A new function keeps a local symbol of its own: calls to it are written against the
    // section, and objtool (run on the linked module where the kernel delays it to link
    // time, CONFIG_X86_KERNEL_IBT) needs a function at every call's destination, or it
    // lists no return/retpoline sites for the module at all.
    for (const Symbol& symbol : after_object_.symbols) {
      if (symbol.section == index && symbol.type == STT_FUNC &&
          new_functions_.count(symbol.index) != 0) {
        output_.add_symbol(
            {symbol.name, STT_FUNC, STB_LOCAL, output_index, symbol.value, symbol.size});
      }
    }
    pending_.push_back(index);
    return output_index;
  }

  Status drain() {
    while (!pending_.empty()) {
      const std::size_t index = pending_.front();
      pending_.pop_front();
      const Section& section = after_object_.sections[index];
      for (const Relocation& relocation : section.relocations) {
        auto mapped = map_relocation(section, relocation);
        if (!mapped) return mapped.error();
        output_.sections[copied_[index] - 1].relocations.push_back(*mapped);
      }
    }
    return Status::ok();
  }

  // Whether the thing a relocation reaches must travel with the patch.
  bool must_copy(const Symbol* target) const {
    if (target == nullptr) return true;  // jump tables, alternatives' code
    // String literals (also when the assembler kept a .LC label for them).
    if (after_->kind_of(target->section) == elfdiff::SectionKind::strings) return true;
    if (target->name.starts_with(".L")) return true;
    if (target->type == STT_FUNC) return new_functions_.count(target->index) != 0;
    if (after_->is_per_site(target->index)) return true;
    return new_data_.count(target->index) != 0;
  }

  Expected<OutputRelocation> map_relocation(const Section& from, const Relocation& relocation) {
    const Symbol& symbol = after_object_.symbols[relocation.symbol];
    OutputRelocation mapped{relocation.offset, relocation.type, 0, relocation.addend};
    if (!symbol.defined()) {
      auto reference = undefined_reference(symbol);
      if (!reference) return reference.error();
      mapped.symbol = *reference;
      return mapped;
    }
    const Symbol* target = after_->resolve(from, relocation);
    if (copied_.count(symbol.section) || must_copy(target) ||
        (target && included_units_.count(target->name))) {
      include_section(symbol.section);
      mapped.symbol =
          symbol.type == STT_SECTION ? section_symbol_[symbol.section] : copied_symbol(symbol);
      return mapped;
    }
    // Existing code or data of the running kernel.
    if (symbol.type == STT_SECTION) mapped.addend -= static_cast<std::int64_t>(target->value);
    auto reference = running_reference(*target);
    if (!reference) return reference.error();
    mapped.symbol = *reference;
    return mapped;
  }

  bool is_patch_global(const std::string& name) const {
    return request_.patch_globals != nullptr && request_.patch_globals->count(name) != 0;
  }

  // The one global symbol of the patch object with this name, shared by every object of
  // the patch: undefined until the object that defines it fills it in (in any order).
  std::size_t patch_global(const std::string& name) {
    for (std::size_t index = 1; index < output_.symbols.size(); ++index) {
      const OutputSymbol& symbol = output_.symbols[index];
      if (symbol.binding == STB_GLOBAL && symbol.name == name) return index;
    }
    return output_.add_symbol({name, STT_NOTYPE, STB_GLOBAL, 0, 0, 0});
  }

  // New global functions and data of this object that the patch shares: copied with their
  // global names, so that other objects of the fix calling them link to them.
  void define_patch_globals() {
    for (const Symbol& symbol : after_object_.symbols) {
      if (!symbol.defined() || symbol.binding != STB_GLOBAL || !is_patch_global(symbol.name)) {
        continue;
      }
      if (symbol.type != STT_FUNC && symbol.type != STT_OBJECT) continue;
      include_section(symbol.section);
      copied_symbol(symbol);
    }
  }

  std::size_t copied_symbol(const Symbol& symbol) {
    if (auto found = copied_symbols_.find(symbol.index); found != copied_symbols_.end()) {
      return found->second;
    }
    if (symbol.binding == STB_GLOBAL && is_patch_global(symbol.name)) {
      const std::size_t shared = patch_global(symbol.name);
      OutputSymbol& defined = output_.symbols[shared];
      defined.type = symbol.type;
      defined.section = copied_[symbol.section];
      defined.value = symbol.value;
      defined.size = symbol.size;
      copied_symbols_[symbol.index] = shared;
      return shared;
    }
    // Local in the patch: the running kernel's symbol of the same name must stay the one
    // every unpatched caller and kallsyms lookup finds.
    const std::size_t index = output_.add_symbol(
        {symbol.name, symbol.type, STB_LOCAL, copied_[symbol.section], symbol.value, symbol.size});
    copied_symbols_[symbol.index] = index;
    return index;
  }

  std::size_t plain_undefined(const std::string& name) {
    if (auto found = plain_.find(name); found != plain_.end()) return found->second;
    const std::size_t index = output_.add_symbol({name, STT_NOTYPE, STB_GLOBAL, 0, 0, 0});
    plain_[name] = index;
    return index;
  }

  std::size_t livepatch_symbol(const std::string& object, const std::string& name,
                               std::size_t position, std::uint8_t type) {
    const std::string full = ".klp.sym." + object + "." + name + "," + std::to_string(position);
    klp_objects_.insert(object);
    if (auto found = plain_.find(full); found != plain_.end()) return found->second;
    const std::size_t index = output_.add_symbol({full, type, STB_WEAK, 0, 0, 0});
    plain_[full] = index;
    return index;
  }

  Expected<std::size_t> undefined_reference(const Symbol& symbol) {
    // Defined by another object of the same fix: resolved when the module is linked.
    if (is_patch_global(symbol.name)) return patch_global(symbol.name);
    const std::string exporter = request_.exports->exporter_of(symbol.name);
    if (exporter == "vmlinux") return plain_undefined(symbol.name);
    if (!exporter.empty()) return livepatch_symbol(exporter, symbol.name, 0, symbol.type);
    if (request_.binary != "vmlinux") {
      // A global of another object of the same module, not exported: it is in the module's
      // symbol table, so the livepatch core resolves it in that module.
      auto in_module = request_.positions->position(symbol.name, true, {});
      if (in_module) return livepatch_symbol(request_.binary, symbol.name, *in_module, symbol.type);
      if (in_module.error().code() != errc::kSymbolNotFound) return in_module.error();
    }
    if (request_.vmlinux_positions == nullptr) {
      return Error(errc::kSymbolNotFound, symbol.name + " (used by " + request_.after.string() +
                                              ") is neither exported nor in the target");
    }
    auto position = request_.vmlinux_positions->position(symbol.name, true, {});
    if (!position) return position.error();
    return livepatch_symbol("vmlinux", symbol.name, *position, symbol.type);
  }

  Expected<std::size_t> running_reference(const Symbol& target) {
    auto named = running_name_.find(target.index);
    if (named == running_name_.end() && target.binding == STB_LOCAL) {
      return Error(errc::kSymbolNotFound,
                   "no running counterpart of " + target.name + " in " + request_.before.string());
    }
    const std::string name = named == running_name_.end() ? target.name : named->second;
    const bool global = target.binding != STB_LOCAL;
    if (global && request_.binary == "vmlinux" &&
        request_.exports->exporter_of(name) == "vmlinux") {
      return plain_undefined(name);
    }
    auto position = request_.positions->position(name, global, neighbours_, sequence_for(target));
    if (!position) return position.error();
    return livepatch_symbol(request_.binary, name, *position, target.type);
  }

  // Entries of special tables that point into copied functions.
  Status copy_special_tables() {
    std::map<std::size_t, std::vector<std::size_t>> orc_entries;  // by .orc_unwind_ip index
    for (const Section& table : after_object_.sections) {
      auto layout = entry_table(table.name);
      if (!layout || table.bytes.empty()) continue;
      OutputSection selected = empty_copy_of(table);
      std::vector<OutputRelocation> relocations;
      std::vector<std::size_t> kept;
      const std::size_t count = table.bytes.size() / layout->entry_size;
      for (std::size_t entry = 0; entry < count; ++entry) {
        const std::uint64_t begin = entry * layout->entry_size;
        const std::uint64_t end = begin + layout->entry_size;
        std::vector<const Relocation*> own;
        for (const Relocation& relocation : table.relocations) {
          if (relocation.offset >= begin && relocation.offset < end) own.push_back(&relocation);
        }
        if (own.empty() || own.front()->offset != begin) continue;
        const Symbol& site = after_object_.symbols[own.front()->symbol];
        if (!site.defined() || !copied_.count(site.section) ||
            !after_object_.sections[site.section].executable()) {
          continue;
        }
        const std::uint64_t out_begin = selected.bytes.size();
        std::vector<OutputRelocation> entry_relocations;
        std::string livepatch_key;  // the entry's key when it needs a livepatch relocation
        for (const Relocation* relocation : own) {
          const bool is_key =
              layout->key_offset && relocation->offset - begin == *layout->key_offset;
          auto mapped = map_relocation(table, *relocation);
          if (!mapped) return mapped.error();
          if (is_key && output_.symbols[mapped->symbol].name.starts_with(".klp.sym.")) {
            livepatch_key = output_.symbols[mapped->symbol].name;
          }
          mapped->offset = out_begin + (relocation->offset - begin);
          entry_relocations.push_back(*mapped);
        }
        if (!livepatch_key.empty() && !livepatch_key.starts_with(kVmlinuxLivepatchPrefix)) {
          // A key in vmlinux is fine: the module loader applies .klp.rela.vmlinux.*
          // sections with the module's own relocations (apply_relocations ->
          // klp_apply_section_relocs(..., NULL) in 6.1), before the COMING notifier wires
          // jump labels and static calls; kpatch and klp-build keep these entries too.
          // A key in another module is resolved only when that module is patched, after
          // the notifier ran. A static call site can then be left out, as kpatch does: the
          // call goes through the key's trampoline (__SCT__*), which static_call_update
          // keeps pointing at the current target. A jump label cannot: its NOP would never
          // be switched.
          if (table.name == ".static_call_sites") continue;
          return Error(errc::kPatchRefused,
                       table.name + " entry in " + site.name + " is keyed by " + livepatch_key +
                           ", which the module loader cannot resolve before livepatch "
                           "relocations are applied");
        }
        selected.bytes.insert(selected.bytes.end(), table.bytes.begin() + begin,
                              table.bytes.begin() + end);
        relocations.insert(relocations.end(), entry_relocations.begin(), entry_relocations.end());
        kept.push_back(entry);
      }
      if (kept.empty()) continue;
      if (table.name == ".orc_unwind_ip") orc_entries[table.index] = kept;
      selected.relocations = std::move(relocations);
      output_.add_section(std::move(selected));
    }
    return copy_orc_entries(orc_entries);
  }

  // printk index records of the copied code travel with it, like the other per-site
  // records: .printk_index holds one pointer per printk call site with a constant format,
  // to a pi_entry {fmt, func, file, line, level, subsys_fmt_prefix}. Nothing in the code
  // refers to them, so the relocations never reach them; the kernel lists a module's
  // records (the patch's own, once loaded) in /sys/kernel/debug/printk/index/<module>.
  // A record belongs to copied code when its format is a string the copied code passes
  // (the call and the record name the same literal): the same section and offset.
  Status copy_printk_index() {
    std::set<std::pair<std::size_t, std::int64_t>> passed_strings;
    for (const auto& [index, output_index] : copied_) {
      const Section& code = after_object_.sections[index];
      if (!code.executable()) continue;
      for (const Relocation& relocation : code.relocations) {
        const Symbol& symbol = after_object_.symbols[relocation.symbol];
        if (!symbol.defined() || after_->kind_of(symbol.section) != elfdiff::SectionKind::strings) {
          continue;
        }
        passed_strings.insert({symbol.section, after_->target_point(code, relocation)});
      }
    }
    for (const Section& index_section : after_object_.sections) {
      if (!index_section.name.starts_with(".printk_index")) continue;
      OutputSection selected = empty_copy_of(index_section);
      for (const Relocation& pointer : index_section.relocations) {
        if (pointer.offset % kPointerSize != 0 ||
            pointer.offset + kPointerSize > index_section.bytes.size()) {
          return Error(errc::kInvalidObject, index_section.name + " has a pointer at offset " +
                                                 std::to_string(pointer.offset) +
                                                 " that is not a whole 8-byte entry");
        }
        if (!passed_strings.count(record_format(index_section, pointer))) continue;
        auto mapped = map_relocation(index_section, pointer);
        if (!mapped) return mapped.error();
        mapped->offset = selected.bytes.size();
        selected.bytes.insert(selected.bytes.end(), kPointerSize, 0);
        selected.relocations.push_back(*mapped);
      }
      if (!selected.bytes.empty()) output_.add_section(std::move(selected));
    }
    return Status::ok();
  }

  // The format string (section, offset) of the pi_entry a .printk_index pointer names;
  // {0, 0} when the record has none (a format that was not a constant).
  std::pair<std::size_t, std::int64_t> record_format(const Section& index_section,
                                                     const Relocation& pointer) const {
    const Symbol& named = after_object_.symbols[pointer.symbol];
    if (!named.defined()) return {0, 0};
    const Section& record = after_object_.sections[named.section];
    const std::int64_t record_at = after_->target_point(index_section, pointer);
    for (const Relocation& field : record.relocations) {
      if (static_cast<std::int64_t>(field.offset) != record_at) continue;  // .fmt is first
      const Symbol& format = after_object_.symbols[field.symbol];
      if (!format.defined()) return {0, 0};
      return {format.section, after_->target_point(record, field)};
    }
    return {0, 0};
  }

  // .orc_unwind holds one 6-byte entry per .orc_unwind_ip entry, at the same index.
  Status copy_orc_entries(const std::map<std::size_t, std::vector<std::size_t>>& kept) {
    if (kept.empty()) return Status::ok();
    for (const Section& orc : after_object_.sections) {
      if (orc.name != ".orc_unwind") continue;
      OutputSection selected;
      selected.name = orc.name;
      selected.type = orc.type;
      selected.flags = orc.flags;
      selected.alignment = orc.alignment;
      for (const auto& [ip_section, entries] : kept) {
        for (std::size_t entry : entries) {
          if ((entry + 1) * 6 > orc.bytes.size()) {
            return Error(errc::kInvalidObject, ".orc_unwind is shorter than .orc_unwind_ip");
          }
          selected.bytes.insert(selected.bytes.end(), orc.bytes.begin() + entry * 6,
                                orc.bytes.begin() + (entry + 1) * 6);
        }
      }
      output_.add_section(std::move(selected));
      return Status::ok();
    }
    return Error(errc::kInvalidObject,
                 request_.after.string() + " has .orc_unwind_ip but no .orc_unwind");
  }

  Expected<ObjectPatch> describe_replacements() {
    ObjectPatch patch;
    patch.binary = request_.binary;
    for (const std::string& name : changed_units_) {
      const elfdiff::FunctionUnit* new_unit = nullptr;
      for (const auto& unit : after_->functions()) {
        if (unit.name == name) new_unit = &unit;
      }
      auto running = running_unit_.find(name);
      // Never drop a changed function: without its running counterpart the fix in it
      // would silently not be applied.
      if (new_unit == nullptr || running == running_unit_.end()) {
        return Error(errc::kPatchRefused,
                     "changed function " + name + " of " + request_.after.string() +
                         " cannot be matched to a function of the running code (" +
                         request_.before.string() + "): refusing rather than leaving it out");
      }
      const Symbol& new_symbol = after_object_.symbols[new_unit->pieces.front()];
      const Symbol& old_symbol = before_object_.symbols[running->second->pieces.front()];
      ReplacedFunction replaced;
      replaced.old_name = old_symbol.name;
      auto position = request_.positions->position(old_symbol.name, old_symbol.binding != STB_LOCAL,
                                                   neighbours_, function_sequence_);
      if (!position) return position.error();
      replaced.sympos = *position;
      replaced.new_symbol = "__hotsplice_new_" + std::to_string(ordinal_) + "_" +
                            std::to_string(patch.functions.size());
      include_section(new_symbol.section);
      output_.add_symbol({replaced.new_symbol, STT_FUNC, STB_GLOBAL, copied_[new_symbol.section],
                          new_symbol.value, new_symbol.size});
      auto image = run_pre_image(*before_, old_symbol);
      if (!image) return image.error();
      replaced.running = std::move(*image);
      patch.functions.push_back(std::move(replaced));
    }
    return patch;
  }

  const ObjectPatchRequest& request_;
  std::size_t ordinal_;
  RelocatableObject& output_;
  std::set<std::string>& klp_objects_;
  ElfObject before_object_;
  ElfObject after_object_;
  std::optional<ObjectIndex> before_;
  std::optional<ObjectIndex> after_;
  std::set<std::string> included_units_;
  std::vector<std::string> changed_units_;
  std::map<std::string, const elfdiff::FunctionUnit*> running_unit_;
  std::map<std::size_t, std::string> running_name_;  // after symbol -> running name
  std::set<std::size_t> new_data_;
  std::set<std::size_t> new_functions_;
  std::set<std::string> neighbours_;
  std::vector<std::string> function_sequence_;  // the before object's, in emission order
  std::vector<std::string> data_sequence_;
  std::map<std::size_t, std::size_t> copied_;          // after section -> output section
  std::map<std::size_t, std::size_t> section_symbol_;  // after section -> output symbol
  std::map<std::size_t, std::size_t> copied_symbols_;
  std::map<std::string, std::size_t> plain_;
  std::deque<std::size_t> pending_;
};

}  // namespace

Expected<std::set<std::string>> new_global_definitions(const std::filesystem::path& before,
                                                       const std::filesystem::path& after) {
  auto old_object = ElfObject::load(before);
  if (!old_object) return old_object.error();
  auto new_object = ElfObject::load(after);
  if (!new_object) return new_object.error();
  auto globals = [](const ElfObject& object) {
    std::set<std::string> names;
    for (const Symbol& symbol : object.symbols) {
      if (symbol.defined() && symbol.binding == STB_GLOBAL &&
          (symbol.type == STT_FUNC || symbol.type == STT_OBJECT)) {
        names.insert(symbol.name);
      }
    }
    return names;
  };
  const std::set<std::string> old_names = globals(*old_object);
  std::set<std::string> added;
  for (const std::string& name : globals(*new_object)) {
    if (!old_names.count(name)) added.insert(name);
  }
  return added;
}

Expected<ObjectPatch> add_object_patch(const ObjectPatchRequest& request, std::size_t ordinal,
                                       RelocatableObject& patch_object,
                                       std::set<std::string>& klp_objects) {
  return ObjectPatchBuilder(request, ordinal, patch_object, klp_objects).run();
}

}  // namespace hotsplice::patchobj
