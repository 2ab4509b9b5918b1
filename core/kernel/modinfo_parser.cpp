// parse_modinfo: the .modinfo strings, independent of how the section was found.
#include <algorithm>

#include "core/base/file_io.h"
#include "core/kernel/error_codes.h"
#include "core/kernel/kernel_file.h"
#include "core/kernel/module_info.h"

namespace hotsplice {
namespace {

Error malformed(std::string_view what, std::size_t offset, std::string_view problem) {
  return Error(kernel::errc::kModinfoMalformed, std::string(what) + ": .modinfo at offset " +
                                                    std::to_string(offset) + ": " +
                                                    std::string(problem));
}

}  // namespace

std::optional<std::string> ModuleInfo::first_value(std::string_view key) const {
  auto found = std::find_if(entries.begin(), entries.end(),
                            [&](const auto& entry) { return entry.first == key; });
  if (found == entries.end()) return std::nullopt;
  return found->second;
}

Status check_module_name(std::string_view name) {
  if (!is_valid_module_name(name)) {
    return Error(kernel::errc::kInvalidName, quote_for_error(name) +
                                                 " is not a module name ([A-Za-z0-9_]{1," +
                                                 std::to_string(kMaxModuleNameLength) + "})");
  }
  return Status::ok();
}

Expected<ModuleInfo> parse_modinfo(std::span<const std::uint8_t> section, std::string_view what) {
  if (section.size() > kMaxModinfoBytes) {
    return Error(kernel::errc::kModinfoMalformed,
                 std::string(what) + ": .modinfo of " + std::to_string(section.size()) +
                     " bytes exceeds the limit of " + std::to_string(kMaxModinfoBytes));
  }
  std::string_view text(reinterpret_cast<const char*>(section.data()), section.size());
  ModuleInfo info;
  std::size_t offset = 0;
  while (offset < text.size()) {
    if (text[offset] == '\0') {  // alignment padding between entries
      ++offset;
      continue;
    }
    std::size_t end = text.find('\0', offset);
    if (end == std::string_view::npos) {
      return malformed(what, offset, "last string is not NUL-terminated");
    }
    std::string_view entry = text.substr(offset, end - offset);
    std::size_t equals = entry.find('=');
    if (equals == std::string_view::npos || equals == 0) {
      return malformed(what, offset, "expected key=value, found " + quote_for_error(entry));
    }
    info.entries.emplace_back(std::string(entry.substr(0, equals)),
                              std::string(entry.substr(equals + 1)));
    offset = end + 1;
  }
  auto name = info.first_value("name");
  if (!name || name->empty()) {
    return Error(kernel::errc::kModuleNameMissing,
                 std::string(what) + ": .modinfo has no name= entry");
  }
  if (auto valid = check_module_name(*name); !valid) {
    return Error(kernel::errc::kModinfoMalformed,
                 std::string(what) + ": " + valid.error().message());
  }
  info.name = std::move(*name);
  info.vermagic = info.first_value("vermagic").value_or("");
  info.license = info.first_value("license").value_or("");
  info.srcversion = info.first_value("srcversion").value_or("");
  info.is_livepatch = info.first_value("livepatch").has_value();
  return info;
}

}  // namespace hotsplice
