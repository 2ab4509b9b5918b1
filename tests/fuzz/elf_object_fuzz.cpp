// libFuzzer target: the ELF readers on malformed objects. hotsplice-build's reader
// (kmod/elfdiff/elf_object.h, libelf) reads the objects it diffs, and the guest's module
// reader (core/kernel/module_info.h) reads the .modinfo of every module it is asked to load.
// The input is the object file itself. Anything may be refused with an error naming the file;
// nothing may crash, hang or allocate without bound. What is accepted must be consistent:
// symbols point at existing sections, relocations at existing symbols and inside their
// section's bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/kernel/module_info.h"
#include "kmod/elfdiff/elf_object.h"
#include "tests/fuzz/support/scratch_tree.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& dir = hotsplice::fuzzing::fresh_scratch_dir();
  hotsplice::fuzzing::write_scratch_file(
      dir, "object.o", std::string_view(reinterpret_cast<const char*>(data), size));
  const auto path = dir / "object.o";

  auto object = hotsplice::elfdiff::ElfObject::load(path);
  if (!object) {
    if (object.error().message().empty()) std::abort();
  } else {
    for (const auto& symbol : object->symbols) {
      if (symbol.section >= object->sections.size()) __builtin_trap();
    }
    for (const auto& section : object->sections) {
      for (const auto& relocation : section.relocations) {
        if (relocation.symbol >= object->symbols.size()) __builtin_trap();
        if (!section.bytes.empty() && relocation.offset >= section.bytes.size()) __builtin_trap();
      }
    }
  }

  auto info = hotsplice::read_module_info(path);
  if (!info && info.error().message().empty()) std::abort();
  return 0;
}
