// What a kernel module file says about itself in its .modinfo section: its name (the name
// the kernel will register it under, and for a livepatch module the name of its directory
// in /sys/kernel/livepatch), vermagic, license, and whether it is a livepatch module.
// The file is untrusted input (it arrives in a bundle): every libelf failure is an Error,
// and section bounds are checked against the file size before any byte is read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/base/expected.h"
#include "core/base/names.h"

namespace hotsplice {

// Real .modinfo sections are a few KiB (drivers listing many firmware files reach tens).
inline constexpr std::size_t kMaxModinfoBytes = 1024 * 1024;

struct ModuleInfo {
  // Single-valued keys, taken from the first occurrence as the kernel's get_modinfo() does.
  std::string name;
  std::string vermagic;    // empty when absent
  std::string license;     // empty when absent
  std::string srcversion;  // empty when absent
  // Whether a "livepatch" key is present: the kernel marks a module as a livepatch module on
  // the key's presence alone (MODULE_INFO(livepatch, "Y") writes "livepatch=Y").
  bool is_livepatch = false;
  // Every key=value in section order, including repeated keys such as alias= or firmware=.
  std::vector<std::pair<std::string, std::string>> entries;

  std::optional<std::string> first_value(std::string_view key) const;
};

// Parses the NUL-separated "key=value" strings of a .modinfo section (runs of NUL padding
// between strings are allowed). Fails with "modinfo_malformed" on a string without '=' or
// with an empty key, or a last string without its NUL, and "module_name_missing" when there
// is no usable name= entry. what names the source in errors.
Expected<ModuleInfo> parse_modinfo(std::span<const std::uint8_t> section, std::string_view what);

// Fails with "invalid_name" unless name is a module's name (is_valid_module_name): it names
// /sys/kernel/livepatch/<name> and is passed to delete_module.
Status check_module_name(std::string_view name);

// Reads a .ko file. Fails with "not_elf", "not_relocatable" (an ELF that is not ET_REL, as
// every module is), "elf_invalid" (libelf refused it, or a section lies outside the file),
// "modinfo_missing", or parse_modinfo's errors; "io_error" when the file cannot be opened.
Expected<ModuleInfo> read_module_info(const std::filesystem::path& path);

}  // namespace hotsplice
