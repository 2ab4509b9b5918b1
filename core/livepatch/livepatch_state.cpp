#include "core/livepatch/livepatch_state.h"

#include <algorithm>
#include <charconv>

#include "core/kernel/directory_listing.h"
#include "core/kernel/error_codes.h"
#include "core/kernel/kernel_file.h"
#include "core/kernel/module_info.h"
#include "core/livepatch/error_codes.h"

namespace hotsplice {
namespace {

// An optional attribute: absent is nullopt, present must be a valid flag.
Expected<std::optional<bool>> read_optional_flag(const std::filesystem::path& path) {
  if (!path_exists(path)) return std::optional<bool>();
  auto flag = read_kernel_flag(path);
  if (!flag) return flag.error();
  return std::optional<bool>(*flag);
}

// "<function>,<sympos>" as kernel/livepatch/core.c names a function's directory.
Expected<LivepatchFunction> parse_function_directory(const std::filesystem::path& object_dir,
                                                     const std::string& directory) {
  std::size_t comma = directory.rfind(',');
  LivepatchFunction function;
  if (comma != std::string::npos && comma > 0) {
    function.name = directory.substr(0, comma);
    const char* begin = directory.data() + comma + 1;
    const char* end = directory.data() + directory.size();
    auto [stop, error] = std::from_chars(begin, end, function.sympos);
    if (begin != end && error == std::errc() && stop == end) return function;
  }
  return Error(kernel::errc::kInvalidValue, (object_dir / directory).string() +
                                                ": expected a directory named <function>,<sympos>");
}

Expected<LivepatchObject> read_object(const std::filesystem::path& patch_dir,
                                      const std::string& name) {
  LivepatchObject object;
  object.name = name;
  std::filesystem::path object_dir = patch_dir / name;
  auto patched = read_optional_flag(object_dir / "patched");
  if (!patched) return patched.error();
  object.patched = *patched;
  auto directories = list_subdirectories(object_dir);
  if (!directories) return directories.error();
  for (const std::string& directory : *directories) {
    auto function = parse_function_directory(object_dir, directory);
    if (!function) return function.error();
    object.functions.push_back(std::move(*function));
  }
  std::sort(object.functions.begin(), object.functions.end(), [](const auto& a, const auto& b) {
    return a.name != b.name ? a.name < b.name : a.sympos < b.sympos;
  });
  return object;
}

}  // namespace

std::filesystem::path livepatch_sysfs_dir(const std::filesystem::path& root) {
  return root / "sys/kernel/livepatch";
}

Status check_livepatch_name(std::string_view name) {
  // A livepatch's sysfs directory is named after its module.
  if (auto valid = check_module_name(name); !valid) {
    return valid.error().with_context("livepatch name");
  }
  return Status::ok();
}

Expected<LivepatchState> read_livepatch(const std::filesystem::path& root, std::string_view name) {
  if (auto valid = check_livepatch_name(name); !valid) return valid.error();
  std::filesystem::path patch_dir = livepatch_sysfs_dir(root) / name;
  if (!path_exists(patch_dir)) {
    return Error(livepatch::errc::kLivepatchNotFound,
                 "no livepatch " + std::string(name) + " in " + livepatch_sysfs_dir(root).string());
  }
  LivepatchState state;
  state.name = std::string(name);
  auto enabled = read_kernel_flag(patch_dir / "enabled");
  if (!enabled) return enabled.error();
  state.enabled = *enabled;
  auto transition = read_kernel_flag(patch_dir / "transition");
  if (!transition) return transition.error();
  state.transition = *transition;
  auto replace = read_optional_flag(patch_dir / "replace");
  if (!replace) return replace.error();
  state.replace = *replace;
  // Every subdirectory of a patch is an object; its attributes are plain files.
  auto objects = list_subdirectories(patch_dir);
  if (!objects) return objects.error();
  for (const std::string& object_name : *objects) {
    auto object = read_object(patch_dir, object_name);
    if (!object) return object.error();
    state.objects.push_back(std::move(*object));
  }
  return state;
}

Expected<std::vector<LivepatchState>> list_livepatches(const std::filesystem::path& root) {
  std::filesystem::path directory = livepatch_sysfs_dir(root);
  if (!path_exists(directory)) return std::vector<LivepatchState>();
  auto names = list_subdirectories(directory);
  if (!names) return names.error();
  std::vector<LivepatchState> patches;
  for (const std::string& name : *names) {
    auto patch = read_livepatch(root, name);
    // A patch whose disable completed while we listed is freed with its directory: gone,
    // not malformed.
    if (!patch && !path_exists(directory / name)) continue;
    if (!patch) return patch.error().with_context("reading livepatch " + name);
    patches.push_back(std::move(*patch));
  }
  return patches;
}

}  // namespace hotsplice
