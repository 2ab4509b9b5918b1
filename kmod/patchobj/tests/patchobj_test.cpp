// Unit tests of the patch object pieces that need no kernel: symbol positions, exports,
// the ELF writer with the livepatch rewrite, run-pre images and the generated tables.
#include <catch2/catch.hpp>

#include <elf.h>

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
