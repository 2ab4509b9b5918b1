// The loader reads untrusted files: every failure must be an Error naming the file.
#include <elf.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <functional>

#include "core/base/file_io.h"
#include "kmod/elfdiff/elf_object.h"
#include "kmod/elfdiff/tests/compile_fixture.h"
#include "tests/support/temp_dir.h"

using hotsplice::elfdiff::ElfObject;
using hotsplice::testing::TempDir;

TEST_CASE("a missing file is an io error naming it") {
  auto object = ElfObject::load("/nonexistent/object.o");
  REQUIRE_FALSE(object);
  CHECK(object.error().code() == "io_error");
  CHECK_THAT(object.error().message(), Catch::Contains("/nonexistent/object.o"));
}

TEST_CASE("a file that is not ELF is refused with its name") {
  TempDir directory;
  auto path = directory.write("junk.o", "this is not an object file at all");
  auto object = ElfObject::load(path);
  REQUIRE_FALSE(object);
  CHECK(object.error().code() == "invalid_object");
  CHECK_THAT(object.error().message(), Catch::Contains("junk.o") && Catch::Contains("not an ELF"));
}

TEST_CASE("every truncation of a real object fails cleanly or loads") {
  TempDir directory;
  auto pair =
      hotsplice::elfdiff::testing::compile_fixture_pair("body_change", directory.path(), true);
  REQUIRE(pair);
  auto content = hotsplice::read_file(pair->before, 1 << 20);
  REQUIRE(content);
  REQUIRE(ElfObject::load(pair->before));
  for (std::size_t length = 0; length < content->size(); length += 7) {
    auto path = directory.write("cut.o", content->substr(0, length));
    auto object = ElfObject::load(path);
    if (!object) CHECK_THAT(object.error().message(), Catch::Contains("cut.o"));
  }
}

TEST_CASE("corrupted bytes never crash the loader") {
  TempDir directory;
  auto pair =
      hotsplice::elfdiff::testing::compile_fixture_pair("jump_table", directory.path(), true);
  REQUIRE(pair);
  auto content = hotsplice::read_file(pair->before, 1 << 20);
  REQUIRE(content);
  std::uint32_t state = 12345;
  for (int round = 0; round < 300; ++round) {
    std::string mutated = *content;
    for (int flips = 0; flips < 4; ++flips) {
      state = state * 1103515245 + 12345;
      mutated[(state >> 8) % mutated.size()] = static_cast<char>(state >> 3);
    }
    auto path = directory.write("mutated.o", mutated);
    auto object = ElfObject::load(path);
    if (!object) CHECK(object.error().code() == "invalid_object");
  }
}

namespace {

std::filesystem::path hostile(const char* name) {
  return std::filesystem::path(HOTSPLICE_HOSTILE_FIXTURES) / name;
}

// A compiled object with bytes of it rewritten by edit; written to directory as name.
std::filesystem::path edited_object(const TempDir& directory, const char* name,
                                    const std::function<void(std::string&)>& edit) {
  auto pair =
      hotsplice::elfdiff::testing::compile_fixture_pair("body_change", directory.path(), true);
  REQUIRE(pair);
  auto content = hotsplice::read_file(pair->before, 1 << 20);
  REQUIRE(content);
  edit(*content);
  return directory.write(name, *content);
}

// The section header of the first section of the given type.
Elf64_Shdr* section_of_type(std::string& content, std::uint32_t type) {
  Elf64_Ehdr header;
  std::memcpy(&header, content.data(), sizeof header);
  for (std::size_t index = 0; index < header.e_shnum; ++index) {
    auto* section =
        reinterpret_cast<Elf64_Shdr*>(content.data() + header.e_shoff + index * sizeof(Elf64_Shdr));
    if (section->sh_type == type) return section;
  }
  FAIL("no section of type " << type);
  return nullptr;
}

}  // namespace

TEST_CASE("a relocation table whose entry size is not the ELF's own is refused") {
  // Field case: RELA sh_entsize 0 used to drop every relocation, so a changed call target
  // (a -> b) read as "no change".
  for (const char* name : {"rela-entsize-0-before.o", "rela-entsize-0-after.o"}) {
    auto object = ElfObject::load(hostile(name));
    REQUIRE_FALSE(object);
    CHECK(object.error().code() == "invalid_object");
    CHECK_THAT(object.error().message(),
               Catch::Contains(name) && Catch::Contains("has entry size 0, not 24"));
  }
}

TEST_CASE("a symbol table with entry size 1 is refused before anything is sized by it") {
  // Used to cost 70x the file in memory: every byte became a symbol.
  TempDir directory;
  auto path = edited_object(directory, "symtab1.o", [](std::string& content) {
    section_of_type(content, SHT_SYMTAB)->sh_entsize = 1;
  });
  auto object = ElfObject::load(path);
  REQUIRE_FALSE(object);
  CHECK_THAT(object.error().message(), Catch::Contains(".symtab has entry size 1, not 24"));
}

TEST_CASE("a relocation addend out of range is an invalid object, not an overflow") {
  auto object = ElfObject::load(hostile("reloc-addend-int64-max.o"));
  REQUIRE_FALSE(object);
  CHECK(object.error().code() == "invalid_object");
  CHECK_THAT(object.error().message(),
             Catch::Contains("addend out of range (9223372036854775807)"));
}

TEST_CASE("a truncated object says it is truncated") {
  TempDir directory;
  auto path = edited_object(directory, "cut.o", [](std::string& content) {
    content.resize(content.size() - 100);  // the section header table is at the end
  });
  auto object = ElfObject::load(path);
  REQUIRE_FALSE(object);
  CHECK_THAT(object.error().message(), Catch::Contains("truncated: the section header table") &&
                                           Catch::Contains("ends past the end of the"));
  auto header_only = ElfObject::load(directory.write("tiny.o", std::string("\x7f"
                                                                           "ELF\x02\x01",
                                                                           6)));
  REQUIRE_FALSE(header_only);
  CHECK_THAT(header_only.error().message(), Catch::Contains("shorter than an ELF header"));
}

TEST_CASE("an unterminated string table is named as such") {
  TempDir directory;
  auto path = edited_object(directory, "strtab.o", [](std::string& content) {
    // The symbol names' table (.strtab) is the string table that the symbol table links to.
    Elf64_Shdr* symtab = section_of_type(content, SHT_SYMTAB);
    Elf64_Ehdr header;
    std::memcpy(&header, content.data(), sizeof header);
    auto* strtab = reinterpret_cast<Elf64_Shdr*>(content.data() + header.e_shoff +
                                                 symtab->sh_link * sizeof(Elf64_Shdr));
    content[strtab->sh_offset + strtab->sh_size - 1] = 'x';
  });
  auto object = ElfObject::load(path);
  REQUIRE_FALSE(object);
  CHECK_THAT(object.error().message(),
             Catch::Contains("string table .strtab does not end with a NUL byte"));
  auto names = edited_object(directory, "shstrtab.o", [](std::string& content) {
    Elf64_Ehdr header;
    std::memcpy(&header, content.data(), sizeof header);
    auto* table = reinterpret_cast<Elf64_Shdr*>(content.data() + header.e_shoff +
                                                header.e_shstrndx * sizeof(Elf64_Shdr));
    content[table->sh_offset + table->sh_size - 1] = 'x';
  });
  auto names_object = ElfObject::load(names);
  REQUIRE_FALSE(names_object);
  CHECK_THAT(names_object.error().message(),
             Catch::Contains("section name table does not end with a NUL byte"));
}
