// Unit tests of the patch object pieces that need no kernel: symbol positions, exports,
// the ELF writer with the livepatch rewrite, run-pre images and the generated tables.
#include <catch2/catch.hpp>

#include <elf.h>

#include <algorithm>

#include "core/base/hex.h"
#include "kmod/elfdiff/object_index.h"
#include "kmod/elfdiff/tests/compile_fixture.h"
#include "kmod/patchobj/klp_rewrite.h"
#include "kmod/patchobj/patch_object.h"
#include "kmod/patchobj/patch_tables.h"
#include "kmod/patchobj/relocatable.h"
#include "kmod/patchobj/run_pre_image.h"
#include "kmod/patchobj/target_symbols.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

using namespace hotsplice::patchobj;

TEST_CASE("symbol positions count same-named symbols in kallsyms order", "[patchobj]") {
  const std::string kallsyms =
      "ffffffff81000000 t show_val_kb\n"
      "ffffffff81000010 T unique_function\n"
      "ffffffff81000020 t helper\n"
      "ffffffff81000030 t first_neighbour\n"
      "ffffffff81000040 t helper\n"
      "ffffffff81000050 t second_neighbour\n"
      "ffffffffc0000000 t helper\t[some_module]\n";
  auto positions = SymbolPositions::from_kallsyms(kallsyms, "vmlinux");
  REQUIRE(positions);
  CHECK(*positions->position("unique_function", true, {}) == 0);
  // Which "helper" is ours: the one next to the other symbols of its object file.
  CHECK(*positions->position("helper", false, {"second_neighbour"}) == 2);
  CHECK(positions->position("helper", false, {}).error().code() == "symbol_ambiguous");
  CHECK(positions->position("missing", false, {}).error().code() == "symbol_not_found");
  auto module = SymbolPositions::from_kallsyms(kallsyms, "some_module");
  REQUIRE(module);
  CHECK(*module->position("helper", false, {}) == 0);
}

TEST_CASE("a static every file defines is found by the order of its object's symbols",
          "[patchobj]") {
  // Two files define the same three statics, in different orders: the neighbourhood of
  // each "foo" holds the same names at the same distances, only the order tells them apart.
  const std::string kallsyms =
      "ffffffff81000000 t store\n"
      "ffffffff81000010 t foo\n"
      "ffffffff81000020 t show\n"
      "ffffffff81000030 t show\n"
      "ffffffff81000040 t foo\n"
      "ffffffff81000050 t store\n";
  auto positions = SymbolPositions::from_kallsyms(kallsyms, "vmlinux");
  REQUIRE(positions);
  const std::set<std::string> names{"show", "foo", "store"};
  CHECK(positions->position("foo", false, names).error().code() == "symbol_ambiguous");
  CHECK(*positions->position("foo", false, names, {"show", "foo", "store"}) == 2);
  CHECK(*positions->position("foo", false, names, {"store", "foo", "show"}) == 1);
  // An order that matches neither equally well stays ambiguous.
  CHECK(positions->position("foo", false, names, {"foo"}).error().code() == "symbol_ambiguous");
}

TEST_CASE("exports name the binary that exports each symbol", "[patchobj]") {
  hotsplice::testing::TempDir dir;
  const auto file =
      dir.write("Module.symvers",
                "0x1\tseq_printf\tvmlinux\tEXPORT_SYMBOL\t\n"
                "0x2\tnull_helper\tdrivers/block/null_blk/null_blk\tEXPORT_SYMBOL\t\n");
  auto exports = Exports::from_symvers(file);
  REQUIRE(exports);
  CHECK(exports->exporter_of("seq_printf") == "vmlinux");
  CHECK(exports->exporter_of("null_helper") == "null_blk");
  CHECK(exports->exporter_of("cmdline_proc_show").empty());
}

TEST_CASE("livepatch placeholders become SHN_LIVEPATCH symbols with .klp.rela sections",
          "[patchobj]") {
  hotsplice::testing::TempDir dir;
  RelocatableObject object;
  OutputSection text;
  text.name = ".text.patched";
  text.type = SHT_PROGBITS;
  text.flags = SHF_ALLOC | SHF_EXECINSTR;
  text.alignment = 16;
  text.bytes.assign(16, 0x90);
  const std::size_t section = object.add_section(text);
  const std::size_t plain = object.add_symbol({"seq_printf", STT_NOTYPE, STB_GLOBAL, 0, 0, 0});
  const std::size_t klp =
      object.add_symbol({".klp.sym.vmlinux.show_val_kb,2", STT_FUNC, STB_WEAK, 0, 0, 0});
  object.add_symbol({"patched", STT_FUNC, STB_LOCAL, section, 0, 16});
  object.sections[section - 1].relocations = {{1, R_X86_64_PLT32, plain, -4},
                                              {6, R_X86_64_PC32, klp, -4}};
  const auto file = dir / "patch.o";
  REQUIRE(write_relocatable(object, file));
  auto summary = rewrite_livepatch_relocations(file);
  REQUIRE(summary);
  CHECK(summary->livepatch_symbols == 1);
  CHECK(summary->livepatch_relocations == 1);

  const auto sections = hotsplice::testing::run_process({"readelf", "-SW", file.string()});
  CHECK(sections.output.find(".klp.rela.vmlinux..text.patched") != std::string::npos);
  const auto relocations = hotsplice::testing::run_process({"readelf", "-rW", file.string()});
  INFO(relocations.output);
  const auto klp_at = relocations.output.find("'.klp.rela.vmlinux..text.patched'");
  REQUIRE(klp_at != std::string::npos);
  CHECK(relocations.output.find("show_val_kb", klp_at) != std::string::npos);
  CHECK(relocations.output.find("seq_printf") < klp_at);  // the export stays ordinary
  const auto symbols = hotsplice::testing::run_process({"readelf", "-sW", file.string()});
  CHECK(symbols.output.find("GLOBAL DEFAULT OS [0xff20] .klp.sym.vmlinux.show_val_kb,2") !=
        std::string::npos);
}

TEST_CASE("run-pre images skip relocated fields and the __fentry__ call", "[patchobj]") {
  hotsplice::testing::TempDir dir;
  auto pair = hotsplice::elfdiff::testing::compile_fixture_pair("body_change", dir.path(), true);
  REQUIRE(pair);
  auto object = hotsplice::elfdiff::ElfObject::load(pair->before);
  REQUIRE(object);
  auto index = hotsplice::elfdiff::ObjectIndex::build(*object);
  REQUIRE(index);
  for (const auto& unit : index->functions()) {
    const auto& function = object->symbols[unit.pieces.front()];
    auto image = run_pre_image(*index, function);
    REQUIRE(image);
    REQUIRE(image->bytes.size() == function.size);
    // call __fentry__: opcode and displacement are rewritten by ftrace.
    for (int i = 0; i < 5; ++i) CHECK(image->compare[i] == 0);
    CHECK(std::count(image->compare.begin(), image->compare.end(), 1) > 0);
  }
}

namespace {

// The run-pre image of `function` in an object gcc builds from `source` with `flags`.
RunPreImage image_of(const hotsplice::testing::TempDir& dir, const std::string& file,
                     const std::string& source, const std::vector<std::string>& flags,
                     const std::string& function) {
  std::vector<std::string> command = {"gcc", "-c", dir.write(file, source).string(), "-o",
                                      (dir / (file + ".o")).string()};
  command.insert(command.end(), flags.begin(), flags.end());
  const auto compiled = hotsplice::testing::run_process(command);
  INFO(compiled.output);
  REQUIRE(compiled.exit_code == 0);
  auto object = hotsplice::elfdiff::ElfObject::load(dir / (file + ".o"));
  REQUIRE(object);
  auto index = hotsplice::elfdiff::ObjectIndex::build(*object);
  REQUIRE(index);
  for (const auto& symbol : object->symbols) {
    if (symbol.name != function) continue;
    auto image = run_pre_image(*index, symbol);
    REQUIRE(image);
    return *image;
  }
  FAIL("no symbol " << function);
  return {};
}

// Where in `bytes` the byte sequence `pattern` starts (the test's own compiled code).
std::size_t find_bytes(const std::vector<std::uint8_t>& bytes,
                       const std::vector<std::uint8_t>& pattern) {
  const auto at = std::search(bytes.begin(), bytes.end(), pattern.begin(), pattern.end());
  REQUIRE(at != bytes.end());
  return static_cast<std::size_t>(at - bytes.begin());
}

}  // namespace

TEST_CASE(
    "run-pre images of an IBT kernel's object (no objtool lists) know the boot-rewritten "
    "sites from their branch targets, and nothing wider",
    "[patchobj]") {
  // Debian's 6.12 flags (CONFIG_X86_KERNEL_IBT, RETHUNK, RETPOLINE): objtool runs on
  // vmlinux.o only, so this object lists no .return_sites or .retpoline_sites, exactly like
  // the kernel's own objects.
  hotsplice::testing::TempDir dir;
  const RunPreImage image =
      image_of(dir, "pick.c",
               "struct ops { int (*get)(int); };\n"
               "extern int counter;\n"
               "int pick(const struct ops *ops, int value) {\n"
               "  if (value < 0) return -1;\n"
               "  counter += value;\n"
               "  return ops->get(value) + 1;\n"
               "}\n",
               {"-O2", "-pg", "-mfentry", "-fno-pie", "-ffunction-sections",
                "-mfunction-return=thunk-extern", "-mindirect-branch=thunk-extern",
                "-mindirect-branch-register", "-fcf-protection=branch"},
               "pick");
  INFO(hotsplice::to_hex(image.bytes));
  // endbr64 at the entry: kept or sealed, nothing else.
  REQUIRE(image.bytes[0] == 0xf3);
  CHECK(image.compare[0] == kRunPreEndbr);
  CHECK(image.compare[1] == kRunPreSkip);
  CHECK(image.compare[3] == kRunPreSkip);
  // Both `jmp __x86_return_thunk`: the opcode is checked for e9 or `ret; int3...`.
  std::size_t returns = 0;
  for (std::size_t i = 0; i + 5 <= image.bytes.size(); ++i) {
    if (image.compare[i] != kRunPreReturnThunk) continue;
    ++returns;
    CHECK(image.bytes[i] == 0xe9);
    for (std::size_t k = 1; k < 5; ++k) CHECK(image.compare[i + k] == kRunPreSkip);
    if (i + 5 < image.bytes.size()) CHECK(image.compare[i + 5] == kRunPreEqual);
  }
  CHECK(returns == 2);
  // The retpoline call (e8 + rel32) is skipped exactly: the bytes around it are compared.
  const std::size_t call = find_bytes(image.bytes, {0x48, 0x8b, 0x00, 0xe8}) + 3;
  CHECK(image.compare[call - 1] == kRunPreEqual);
  for (std::size_t k = 0; k < 5; ++k) CHECK(image.compare[call + k] == kRunPreSkip);
  CHECK(image.compare[call + 5] == kRunPreEqual);
  // Every other byte is compared: only fentry (5), endbr tail (3), two return rel32s (8),
  // the retpoline call (5) and the counter's rel32 (4) are skipped.
  CHECK(std::count(image.compare.begin(), image.compare.end(), kRunPreSkip) == 25);
}

TEST_CASE(
    "run-pre images use the sites an object lists: a jcc to the return thunk stays compared, "
    "a listed retpoline jcc is skipped over its 6 bytes, a lock prefix over 1",
    "[patchobj]") {
  // The form objtool gives per-object (Debian's 6.1: no IBT): the sites listed in tables.
  hotsplice::testing::TempDir dir;
  const RunPreImage image = image_of(dir, "listed.S",
                                     ".section .text.listed,\"ax\"\n"
                                     ".globl listed\n.type listed,@function\n"
                                     "listed:\n"
                                     "  nop\n"
                                     "1: jne __x86_return_thunk\n"
                                     "2: jne __x86_indirect_thunk_rax\n"
                                     "3: lock incl (%rdi)\n"
                                     "4: jmp __x86_return_thunk\n"
                                     "  int3\n"
                                     ".size listed, .-listed\n"
                                     ".section .return_sites,\"a\"\n.long 1b - .\n.long 4b - .\n"
                                     ".section .retpoline_sites,\"a\"\n.long 2b - .\n"
                                     ".section .smp_locks,\"a\"\n.long 3b - .\n",
                                     {}, "listed");
  INFO(hotsplice::to_hex(image.bytes));
  REQUIRE(image.bytes.size() == 1 + 6 + 6 + 3 + 5 + 1);
  const std::vector<std::uint8_t> expected = {
      1,                 // nop
      1, 1, 0, 0, 0, 0,  // jne __x86_return_thunk: not rewritten by apply_returns
      0, 0, 0, 0, 0, 0,  // jne __x86_indirect_thunk_rax: the whole jcc
      0, 1, 1,           // lock prefix
      2, 0, 0, 0, 0,     // jmp __x86_return_thunk
      1};                // int3
  CHECK(image.compare == expected);
}

TEST_CASE("generated tables list each replaced function with its position", "[patchobj]") {
  ObjectPatch vmlinux{"vmlinux", {{"meminfo_proc_show", 0, "__hotsplice_new_0_0", {{0xe8}, {0}}}}};
  ObjectPatch module{"null_blk", {{"memb_group_features_show", 2, "__hotsplice_new_1_0", {}}}};
  const std::string tables = generate_patch_tables({vmlinux, module}, {"vmlinux", "other_mod"});
  CHECK(tables.find(".old_name = \"meminfo_proc_show\", .new_func = __hotsplice_new_0_0, "
                    ".old_sympos = 0") != std::string::npos);
  CHECK(tables.find(".old_sympos = 2") != std::string::npos);
  CHECK(tables.find(".name = NULL") != std::string::npos);
  CHECK(tables.find(".name = \"null_blk\"") != std::string::npos);
  // An object reached only by livepatch relocations is listed, with no functions.
  CHECK(tables.find(".name = \"other_mod\"") != std::string::npos);
}

TEST_CASE("a module function using pr_debug carries its dynamic-debug descriptors along",
          "[patchobj]") {
  // Field case 07: the jump label's key is the per-site descriptor, copied with the patch,
  // so the module loader wires it in the patch module itself.
  hotsplice::testing::TempDir dir;
  auto pair = hotsplice::elfdiff::testing::compile_fixture_pair("module_dyndbg", dir.path(), true);
  REQUIRE(pair);
  const auto symvers = dir.write("Module.symvers",
                                 "0x1\t__dynamic_pr_debug\tvmlinux\tEXPORT_SYMBOL\t\n"
                                 "0x2\t__fentry__\tvmlinux\tEXPORT_SYMBOL\t\n");
  auto exports = Exports::from_symvers(symvers);
  REQUIRE(exports);
  auto positions =
      SymbolPositions::from_kallsyms("ffffffffc0000000 T demo_set_rate\t[demo_drv]\n", "demo_drv");
  REQUIRE(positions);
  ObjectPatchRequest request{pair->before, pair->after, "demo_drv",
                             &*exports,    &*positions, nullptr};
  RelocatableObject output;
  std::set<std::string> klp_objects;
  auto patch = add_object_patch(request, 0, output, klp_objects);
  INFO((patch ? std::string() : patch.error().message()));
  REQUIRE(patch);
  REQUIRE(patch->functions.size() == 1);
  CHECK(patch->functions.front().old_name == "demo_set_rate");
  bool has_descriptors = false;
  bool has_jump_entry = false;
  for (const auto& section : output.sections) {
    if (section.name == "__dyndbg") has_descriptors = true;
    if (section.name != "__jump_table") continue;
    has_jump_entry = true;
    for (const auto& relocation : section.relocations) {
      CHECK_FALSE(output.symbols[relocation.symbol].name.starts_with(".klp.sym."));
    }
  }
  CHECK(has_descriptors);
  CHECK(has_jump_entry);
}

namespace {

// Builds the patch object of a vmlinux fixture pair against a kallsyms in which every
// named symbol is a non-exported vmlinux symbol; only __fentry__, printk_like and _printk are
// exported.
struct VmlinuxPatch {
  hotsplice::Expected<ObjectPatch> patch;
  RelocatableObject output;
};

VmlinuxPatch patch_vmlinux_fixture(const std::string& fixture,
                                   const hotsplice::testing::TempDir& dir,
                                   const std::string& kallsyms) {
  auto pair = hotsplice::elfdiff::testing::compile_fixture_pair(fixture, dir.path(), true);
  REQUIRE(pair);
  const auto symvers = dir.write("Module.symvers",
                                 "0x1\tprintk_like\tvmlinux\tEXPORT_SYMBOL\t\n"
                                 "0x3\t_printk\tvmlinux\tEXPORT_SYMBOL\t\n"
                                 "0x2\t__fentry__\tvmlinux\tEXPORT_SYMBOL\t\n");
  auto exports = Exports::from_symvers(symvers);
  REQUIRE(exports);
  auto positions = SymbolPositions::from_kallsyms(kallsyms, "vmlinux");
  REQUIRE(positions);
  ObjectPatchRequest request{pair->before, pair->after, "vmlinux",
                             &*exports,    &*positions, &*positions};
  VmlinuxPatch result{ObjectPatch{}, {}};
  std::set<std::string> klp_objects;
  result.patch = add_object_patch(request, 0, result.output, klp_objects);
  return result;
}

// The relocation of each copied entry of `table` at `field` (byte offset in the entry).
std::vector<std::string> key_targets(const RelocatableObject& output, const std::string& table,
                                     std::uint64_t entry_size, std::uint64_t field) {
  std::vector<std::string> names;
  for (const auto& section : output.sections) {
    if (section.name != table) continue;
    for (const auto& relocation : section.relocations) {
      if (relocation.offset % entry_size == field) {
        names.push_back(output.symbols[relocation.symbol].name);
      }
    }
  }
  return names;
}

}  // namespace

TEST_CASE(
    "a static call keyed by a non-exported vmlinux key keeps its site with a klp "
    "relocation to the key",
    "[patchobj]") {
  // kpatch and klp-build build these: the module loader applies .klp.rela.vmlinux.*
  // sections before the COMING notifier registers the module's static call sites.
  hotsplice::testing::TempDir dir;
  auto built = patch_vmlinux_fixture("vmlinux_static_call", dir,
                                     "ffffffff81000000 T pick_target\n"
                                     "ffffffff81000010 T keep_me\n"
                                     "ffffffff81000020 T __SCT__pick_cpu\n"
                                     "ffffffff82000000 d __SCK__pick_cpu\n");
  INFO((built.patch ? std::string() : built.patch.error().message()));
  REQUIRE(built.patch);
  REQUIRE(built.patch->functions.size() == 1);
  CHECK(built.patch->functions.front().old_name == "pick_target");
  // struct static_call_site { s32 addr; s32 key; }: the key is the second field.
  const auto keys = key_targets(built.output, ".static_call_sites", 8, 4);
  REQUIRE(keys.size() == 1);
  CHECK(keys.front() == ".klp.sym.vmlinux.__SCK__pick_cpu,0");

  // After the livepatch rewrite the key's relocation lives in .klp.rela.vmlinux.<table>.
  const auto file = dir / "patch.o";
  REQUIRE(write_relocatable(built.output, file));
  REQUIRE(rewrite_livepatch_relocations(file));
  const auto relocations = hotsplice::testing::run_process({"readelf", "-rW", file.string()});
  INFO(relocations.output);
  const auto klp_at = relocations.output.find("'.klp.rela.vmlinux..static_call_sites'");
  REQUIRE(klp_at != std::string::npos);
  CHECK(relocations.output.find("__SCK__pick_cpu", klp_at) != std::string::npos);
}

TEST_CASE("a jump label keyed by a non-exported vmlinux key is kept with a klp relocation",
          "[patchobj]") {
  hotsplice::testing::TempDir dir;
  auto built = patch_vmlinux_fixture("vmlinux_jump_label", dir,
                                     "ffffffff81000000 T account_tick\n"
                                     "ffffffff82000000 d sched_feature_key\n");
  INFO((built.patch ? std::string() : built.patch.error().message()));
  REQUIRE(built.patch);
  // struct jump_entry { s32 code; s32 target; long key; }: the key is at offset 8.
  const auto keys = key_targets(built.output, "__jump_table", 16, 8);
  REQUIRE(keys.size() == 1);
  CHECK(keys.front() == ".klp.sym.vmlinux.sched_feature_key,0");
}

TEST_CASE("a jump label keyed by a key of the target module is still refused", "[patchobj]") {
  // That key's relocation is applied only when the target module is patched, after the
  // COMING notifier has wired the patch module's jump labels.
  hotsplice::testing::TempDir dir;
  auto pair =
      hotsplice::elfdiff::testing::compile_fixture_pair("module_jump_label", dir.path(), true);
  REQUIRE(pair);
  const auto symvers = dir.write("Module.symvers",
                                 "0x1\tprintk_like\tvmlinux\tEXPORT_SYMBOL\t\n"
                                 "0x2\t__fentry__\tvmlinux\tEXPORT_SYMBOL\t\n");
  auto exports = Exports::from_symvers(symvers);
  REQUIRE(exports);
  auto positions = SymbolPositions::from_kallsyms(
      "ffffffffc0000000 T maybe_trace\t[demo_drv]\n"
      "ffffffffc0001000 B trace_enabled\t[demo_drv]\n",
      "demo_drv");
  REQUIRE(positions);
  ObjectPatchRequest request{pair->before, pair->after, "demo_drv",
                             &*exports,    &*positions, nullptr};
  RelocatableObject output;
  std::set<std::string> klp_objects;
  auto patch = add_object_patch(request, 0, output, klp_objects);
  REQUIRE_FALSE(patch);
  CHECK(patch.error().code() == "patch_refused");
  CHECK(patch.error().message().find("trace_enabled") != std::string::npos);
}

namespace {

// A "vmlinux" linked by ld from real objects, and its symbol table as `nm -n` prints it:
// the same format and address order as /proc/kallsyms.
std::string link_and_record_kallsyms(const hotsplice::testing::TempDir& dir,
                                     const std::vector<std::string>& objects) {
  std::vector<std::string> link = {
      "ld", "-e", "0", "--unresolved-symbols=ignore-all", "-o", (dir / "vmlinux").string()};
  link.insert(link.end(), objects.begin(), objects.end());
  const auto linked = hotsplice::testing::run_process(link);
  INFO(linked.output);
  REQUIRE(linked.exit_code == 0);
  const auto symbols = hotsplice::testing::run_process({"nm", "-n", (dir / "vmlinux").string()});
  REQUIRE(symbols.exit_code == 0);
  return symbols.output;
}

std::string compile_other_file(const hotsplice::testing::TempDir& dir, const std::string& source,
                               const std::string& object) {
  const std::string output = (dir / object).string();
  const auto compiled = hotsplice::testing::run_process(
      {"gcc", "-O2", "-pg", "-mfentry", "-ffunction-sections", "-fdata-sections", "-fno-pie", "-c",
       std::string(HOTSPLICE_ELFDIFF_FIXTURES) + "/" + source, "-o", output});
  INFO(compiled.output);
  REQUIRE(compiled.exit_code == 0);
  return output;
}

hotsplice::Expected<ObjectPatch> patch_against(const hotsplice::elfdiff::testing::ObjectPair& pair,
                                               const std::string& kallsyms,
                                               const hotsplice::testing::TempDir& dir) {
  const auto symvers = dir.write("Module.symvers", "0x2\t__fentry__\tvmlinux\tEXPORT_SYMBOL\t\n");
  auto exports = Exports::from_symvers(symvers);
  REQUIRE(exports);
  auto positions = SymbolPositions::from_kallsyms(kallsyms, "vmlinux");
  REQUIRE(positions);
  ObjectPatchRequest request{pair.before, pair.after,  "vmlinux",
                             &*exports,   &*positions, &*positions};
  RelocatableObject output;
  std::set<std::string> klp_objects;
  return add_object_patch(request, 0, output, klp_objects);
}

}  // namespace

TEST_CASE(
    "a static every file of a subsystem defines is found in a real link by the order of "
    "its object's symbols",
    "[patchobj]") {
  // Two files define reset/show/store, in different orders; every "show" has the same
  // names around it, only their order tells them apart (kpatch would use STT_FILE blocks,
  // which Debian's kallsyms does not have).
  hotsplice::testing::TempDir dir;
  auto pair =
      hotsplice::elfdiff::testing::compile_fixture_pair("subsystem_static", dir / "fix", true);
  REQUIRE(pair);
  const std::string other = compile_other_file(dir, "subsystem_static_other.c", "other.o");

  SECTION("the patched file linked second") {
    const std::string kallsyms = link_and_record_kallsyms(dir, {other, pair->before.string()});
    auto patch = patch_against(*pair, kallsyms, dir);
    INFO((patch ? std::string() : patch.error().message()));
    REQUIRE(patch);
    REQUIRE(patch->functions.size() == 1);
    CHECK(patch->functions.front().old_name == "show");
    CHECK(patch->functions.front().sympos == 2);
  }
  SECTION("the patched file linked first") {
    const std::string kallsyms = link_and_record_kallsyms(dir, {pair->before.string(), other});
    auto patch = patch_against(*pair, kallsyms, dir);
    INFO((patch ? std::string() : patch.error().message()));
    REQUIRE(patch);
    REQUIRE(patch->functions.size() == 1);
    CHECK(patch->functions.front().sympos == 1);
  }
  SECTION("two files with the same statics in the same order stay ambiguous, candidates named") {
    // A second copy of the patched file (another driver written from the same template).
    const std::string twin = compile_other_file(dir, "subsystem_static.before.c", "twin.o");
    const std::string kallsyms =
        link_and_record_kallsyms(dir, {twin, other, pair->before.string()});
    auto patch = patch_against(*pair, kallsyms, dir);
    REQUIRE_FALSE(patch);
    CHECK(patch.error().code() == "symbol_ambiguous");
    INFO(patch.error().message());
    CHECK(patch.error().message().find("show,1 (between reset and store)") != std::string::npos);
    CHECK(patch.error().message().find("show,3 (between reset and store)") != std::string::npos);
  }
}

TEST_CASE("the printk index records of the patched code travel with it and no others",
          "[patchobj]") {
  // report_error changes, report_ok does not: one .printk_index pointer is copied, to the
  // copied pi_entry of report_error's printk, whose format and __func__ come along.
  hotsplice::testing::TempDir dir;
  auto built = patch_vmlinux_fixture("printk_index", dir,
                                     "ffffffff81000000 T report_error\n"
                                     "ffffffff81000010 T report_ok\n");
  INFO((built.patch ? std::string() : built.patch.error().message()));
  REQUIRE(built.patch);
  REQUIRE(built.patch->functions.size() == 1);
  const auto pointers = key_targets(built.output, ".printk_index", 8, 0);
  REQUIRE(pointers.size() == 1);
  // The pointer names the copied record (a local copy, not a livepatch symbol).
  CHECK_FALSE(pointers.front().starts_with(".klp.sym."));
  const auto file = dir / "patch.o";
  REQUIRE(write_relocatable(built.output, file));
  const auto strings = hotsplice::testing::run_process({"strings", "-a", file.string()});
  CHECK(strings.output.find("bad value") != std::string::npos);
  CHECK(strings.output.find("ok %d") == std::string::npos);
}

TEST_CASE(
    "a new function copied with the patch keeps a local function symbol (objtool needs one at "
    "every call destination)",
    "[patchobj]") {
  hotsplice::testing::TempDir dir;
  auto pair =
      hotsplice::elfdiff::testing::compile_fixture_pair("new_static_function", dir.path(), true);
  REQUIRE(pair);
  RelocatableObject output;
  std::set<std::string> klp_objects;
  const auto symvers = dir.write("Module.symvers", "0x2\t__fentry__\tvmlinux\tEXPORT_SYMBOL\t\n");
  auto exports = Exports::from_symvers(symvers);
  REQUIRE(exports);
  auto positions = SymbolPositions::from_kallsyms(
      "ffffffff81000000 T report_value\nffffffff81000100 T printk_like\n", "vmlinux");
  REQUIRE(positions);
  ObjectPatchRequest request{pair->before, pair->after, "vmlinux",
                             &*exports,    &*positions, &*positions};
  auto patch = add_object_patch(request, 0, output, klp_objects);
  INFO((patch ? std::string() : patch.error().message()));
  REQUIRE(patch);
  std::size_t found = 0;
  for (const auto& symbol : output.symbols) {
    if (symbol.name != "clamp_value") continue;
    ++found;
    CHECK(symbol.type == STT_FUNC);
    CHECK(symbol.binding == STB_LOCAL);
    CHECK(symbol.size > 0);
    CHECK(symbol.section != 0);
  }
  CHECK(found == 1);
}
