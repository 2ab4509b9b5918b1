#include <elf.h>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "core/kernel/module_info.h"
#include "tests/support/temp_dir.h"

using hotsplice::testing::TempDir;
namespace fs = std::filesystem;

namespace {

// The strings a livepatch module's .modinfo holds, written the way MODULE_INFO() emits them:
// one static string per entry in the .modinfo section.
constexpr const char* kLivepatchModuleSource = R"(
#define MODINFO(id, text) \
  __attribute__((section(".modinfo"), used, aligned(1))) static const char id[] = text
MODINFO(license, "license=GPL");
MODINFO(livepatch, "livepatch=Y");
MODINFO(vermagic, "vermagic=6.1.0-56-amd64 SMP preempt mod_unload modversions ");
MODINFO(alias1, "alias=hotsplice-a");
MODINFO(alias2, "alias=hotsplice-b");
MODINFO(name, "name=hotsplice_cve_2024_0001");
MODINFO(second_name, "name=ignored_like_the_kernel_does");
MODINFO(srcversion, "srcversion=0123456789ABCDEF0123456");
int hotsplice_patched_function(void) { return 42; }
)";

fs::path compile(const TempDir& dir, const std::string& source, const std::string& output,
                 const std::string& flags) {
  auto source_path = dir.write(output + ".c", source);
  fs::path output_path = dir / output;
  std::string command =
      "gcc " + flags + " -o '" + output_path.string() + "' '" + source_path.string() + "' 2>&1";
  INFO(command);
  REQUIRE(std::system(command.c_str()) == 0);
  return output_path;
}

hotsplice::Error module_error(const fs::path& path) {
  auto info = hotsplice::read_module_info(path);
  REQUIRE_FALSE(info);
  return info.error();
}

}  // namespace

TEST_CASE("a livepatch object compiled now with gcc yields its .modinfo") {
  TempDir dir;
  auto object = compile(dir, kLivepatchModuleSource, "livepatch.o", "-c");
  auto info = hotsplice::read_module_info(object);
  REQUIRE(info);
  CHECK(info->name == "hotsplice_cve_2024_0001");
  CHECK(info->is_livepatch);
  CHECK(info->license == "GPL");
  CHECK(info->vermagic == "6.1.0-56-amd64 SMP preempt mod_unload modversions ");
  CHECK(info->srcversion == "0123456789ABCDEF0123456");
  CHECK(info->entries.size() == 8);
  CHECK(info->first_value("alias") == "hotsplice-a");
}

TEST_CASE("a real Debian module is read and is not a livepatch module") {
  const fs::path module = "/lib/modules/6.1.0-56-amd64/kernel/net/key/af_key.ko";
  if (!fs::exists(module)) {
    WARN("skipped: " << module << " is not installed (linux-image-6.1.0-56-amd64)");
    return;
  }
  auto info = hotsplice::read_module_info(module);
  REQUIRE(info);
  // Expected values from `modinfo af_key.ko` (kmod), read independently of hotsplice.
  CHECK(info->name == "af_key");
  CHECK(info->license == "GPL");
  CHECK(info->vermagic == "6.1.0-56-amd64 SMP preempt mod_unload modversions ");
  CHECK(info->first_value("depends") == "xfrm_algo");
  CHECK(info->first_value("alias") == "net-pf-15");
  CHECK(info->first_value("intree") == "Y");
  CHECK_FALSE(info->is_livepatch);
}

TEST_CASE("files that are not kernel modules are refused with the reason") {
  TempDir dir;
  SECTION("not ELF") {
    auto error = module_error(dir.write("bundle.ko", "this is not an ELF file\n"));
    CHECK(error.code() == "not_elf");
    CHECK_THAT(error.message(), Catch::Contains("bundle.ko"));
  }
  SECTION("an empty file") {
    CHECK(module_error(dir.write("empty.ko", "")).code() == "not_elf");
  }
  SECTION("an executable") {
    auto executable = compile(dir, "int main(void) { return 0; }\n", "program", "-no-pie");
    auto error = module_error(executable);
    CHECK(error.code() == "not_relocatable");
    CHECK_THAT(error.message(), Catch::Contains("ET_EXEC"));
  }
  SECTION("an object without .modinfo") {
    auto object = compile(dir, "int f(void) { return 1; }\n", "plain.o", "-c");
    auto error = module_error(object);
    CHECK(error.code() == "modinfo_missing");
    CHECK_THAT(error.message(), Catch::Contains("plain.o"));
  }
  SECTION("a .modinfo without name=") {
    auto object = compile(
        dir,
        "__attribute__((section(\".modinfo\"), used)) static const char l[] = \"license=GPL\";\n",
        "nameless.o", "-c");
    auto error = module_error(object);
    CHECK(error.code() == "module_name_missing");
    CHECK_THAT(error.message(), Catch::Contains("nameless.o"));
  }
  SECTION("a .modinfo string without '='") {
    auto object = compile(
        dir, "__attribute__((section(\".modinfo\"), used)) static const char l[] = \"garbage\";\n",
        "garbage.o", "-c");
    auto error = module_error(object);
    CHECK(error.code() == "modinfo_malformed");
    CHECK_THAT(error.message(), Catch::Contains("\"garbage\""));
  }
  SECTION("a missing file") {
    auto error = module_error(dir / "absent.ko");
    CHECK(error.code() == "io_error");
    CHECK_THAT(error.message(), Catch::Contains("No such file or directory"));
  }
}

TEST_CASE("every truncation of a module object is refused cleanly") {
  // Cutting the file anywhere must give an Error (never a crash or an overread under ASan).
  TempDir dir;
  auto object = compile(dir, kLivepatchModuleSource, "livepatch.o", "-c");
  std::ifstream in(object, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  REQUIRE(bytes.size() > 64);
  for (std::size_t length = 0; length < bytes.size(); length += 7) {
    auto cut = dir.write("cut.ko", std::string_view(bytes).substr(0, length));
    auto info = hotsplice::read_module_info(cut);
    CHECK_FALSE(info.has_value());
  }
}

TEST_CASE("a .modinfo section pointing past the end of the file is refused") {
  TempDir dir;
  auto object = compile(dir, kLivepatchModuleSource, "livepatch.o", "-c");
  std::string bytes;
  {
    std::ifstream in(object, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  // Locate .modinfo's section header with <elf.h> structures (not libelf, the code under
  // test) and make its size run past the end of the file.
  Elf64_Ehdr header;
  std::memcpy(&header, bytes.data(), sizeof header);
  auto section_header_at = [&](std::size_t index) {
    Elf64_Shdr section;
    std::memcpy(&section, bytes.data() + header.e_shoff + index * sizeof section, sizeof section);
    return section;
  };
  Elf64_Shdr names = section_header_at(header.e_shstrndx);
  std::size_t modinfo_index = 0;
  for (std::size_t i = 1; i < header.e_shnum; ++i) {
    if (std::string(bytes.data() + names.sh_offset + section_header_at(i).sh_name) == ".modinfo") {
      modinfo_index = i;
    }
  }
  REQUIRE(modinfo_index != 0);
  Elf64_Shdr modinfo = section_header_at(modinfo_index);
  modinfo.sh_size = bytes.size();
  std::memcpy(bytes.data() + header.e_shoff + modinfo_index * sizeof modinfo, &modinfo,
              sizeof modinfo);
  auto error = module_error(dir.write("oversized.ko", bytes));
  CHECK((error.code() == "elf_invalid"));
  CHECK_THAT(error.message(), Catch::Contains("oversized.ko") && Catch::Contains(".modinfo"));
}

TEST_CASE("parse_modinfo handles padding and refuses an unterminated last string") {
  const std::string padded("name=a\0\0\0license=GPL\0", 22);
  auto info = hotsplice::parse_modinfo(
      {reinterpret_cast<const std::uint8_t*>(padded.data()), padded.size()}, "padded");
  REQUIRE(info);
  CHECK(info->name == "a");
  CHECK(info->license == "GPL");

  const std::string unterminated("name=a\0license=GPL", 18);
  auto refused = hotsplice::parse_modinfo(
      {reinterpret_cast<const std::uint8_t*>(unterminated.data()), unterminated.size()}, "cut");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == "modinfo_malformed");
  CHECK_THAT(refused.error().message(), Catch::Contains("not NUL-terminated"));

  const std::string bad_name("name=../x\0", 10);
  auto escaped = hotsplice::parse_modinfo(
      {reinterpret_cast<const std::uint8_t*>(bad_name.data()), bad_name.size()}, "bad");
  REQUIRE_FALSE(escaped);
  CHECK(escaped.error().code() == "modinfo_malformed");
}
