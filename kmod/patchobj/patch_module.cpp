#include "kmod/patchobj/patch_module.h"

#include <system_error>

#include "core/base/error_codes.h"
#include "core/base/file_io.h"
#include "core/base/names.h"
#include "kmod/kernel_tree/process.h"
#include "kmod/patchobj/error_codes.h"
#include "kmod/patchobj/patch_tables.h"
#include "kmod/patchobj/relocatable.h"
#include "kmod/patchobj/target_symbols.h"
#include "kmod/patchobj/trampoline_files.h"

namespace hotsplice::patchobj {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxKallsymsBytes = std::size_t{64} << 20;

// The installed module file of a binary: "null_blk" may be null_blk.ko or null-blk.ko.
Expected<fs::path> find_module_file(const fs::path& tree, const std::string& binary) {
  std::error_code error;
  for (auto it = fs::recursive_directory_iterator(tree / "kernel", error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    std::string stem = it->path().filename().string();
    if (!stem.ends_with(".ko")) continue;
    stem.resize(stem.size() - 3);
    for (char& c : stem) c = c == '-' ? '_' : c;
    if (stem == binary) return it->path();
  }
  return Error(errc::kModuleNotFound, "no " + binary + ".ko under " + (tree / "kernel").string());
}

class PatchModuleBuilder {
 public:
  explicit PatchModuleBuilder(const PatchModuleRequest& request) : request_(request) {}

  Expected<PatchModule> run() {
    if (!is_valid_module_name(request_.module_name)) {
      return Error(errc::kInvalidArgument, "not a valid module name: " + request_.module_name);
    }
    auto exports = Exports::from_symvers(request_.kernel_build / "Module.symvers");
    if (!exports) return exports.error();
    exports_ = std::move(*exports);
    if (auto status = load_positions(); !status) return status.error();

    // A fix spanning files may add a function in one and call it from another.
    std::set<std::string> patch_globals;
    for (const ObjectBuilds& builds : request_.objects) {
      auto added = new_global_definitions(builds.before, builds.after);
      if (!added) return added.error();
      patch_globals.merge(*added);
    }
    PatchModule result;
    std::set<std::string> klp_objects;
    for (std::size_t i = 0; i < request_.objects.size(); ++i) {
      const ObjectBuilds& builds = request_.objects[i];
      ObjectPatchRequest object_request{builds.before,
                                        builds.after,
                                        builds.binary,
                                        &exports_,
                                        &positions_.at(builds.binary),
                                        vmlinux_positions(),
                                        &patch_globals};
      auto patch = add_object_patch(object_request, i, patch_object_, klp_objects);
      if (!patch) return patch.error();
      result.objects.push_back(std::move(*patch));
    }
    if (auto status = write_kbuild_dir(result.objects, klp_objects); !status) return status.error();
    if (auto status = kernel_tree::run_logged(
            {"make", "-C", request_.kernel_build.string(), "M=" + request_.work_dir.string(),
             "-j" + std::to_string(request_.jobs), "modules"},
            request_.work_dir, request_.work_dir / "build.log");
        !status) {
      return status.error();
    }
    result.module = request_.work_dir / (request_.module_name + ".ko");
    auto summary = rewrite_livepatch_relocations(result.module);
    if (!summary) return summary.error();
    result.relocations = *summary;
    return result;
  }

 private:
  const SymbolPositions* vmlinux_positions() const {
    auto found = positions_.find("vmlinux");
    return found == positions_.end() ? nullptr : &found->second;
  }

  Status load_positions() {
    for (const ObjectBuilds& builds : request_.objects) {
      if (positions_.count(builds.binary)) continue;
      if (builds.binary == "vmlinux") {
        if (request_.kallsyms.empty()) {
          return Error(errc::kInvalidArgument,
                       "patching vmlinux needs /proc/kallsyms of the target kernel (--kallsyms)");
        }
        auto text = read_file(request_.kallsyms, kMaxKallsymsBytes);
        if (!text) return text.error();
        auto positions = SymbolPositions::from_kallsyms(*text, "vmlinux");
        if (!positions) return positions.error();
        positions_.emplace("vmlinux", std::move(*positions));
        continue;
      }
      fs::path file;
      if (auto given = request_.module_files.find(builds.binary);
          given != request_.module_files.end()) {
        file = given->second;
      } else {
        auto found = find_module_file(request_.module_tree, builds.binary);
        if (!found) return found.error();
        file = *found;
      }
      auto positions = SymbolPositions::from_module_file(file);
      if (!positions) return positions.error();
      positions_.emplace(builds.binary, std::move(*positions));
    }
    // Module patches may still reach non-exported vmlinux symbols through kallsyms.
    if (!positions_.count("vmlinux") && !request_.kallsyms.empty()) {
      auto text = read_file(request_.kallsyms, kMaxKallsymsBytes);
      if (!text) return text.error();
      auto positions = SymbolPositions::from_kallsyms(*text, "vmlinux");
      if (!positions) return positions.error();
      positions_.emplace("vmlinux", std::move(*positions));
    }
    return Status::ok();
  }

  Status write_kbuild_dir(const std::vector<ObjectPatch>& objects,
                          const std::set<std::string>& klp_objects) {
    std::error_code error;
    fs::create_directories(request_.work_dir, error);
    if (error)
      return Error(hotsplice::errc::kIoError, "cannot create " + request_.work_dir.string());
    const fs::path& dir = request_.work_dir;
    if (auto status = write_relocatable(patch_object_, dir / "hotsplice_patch_code.o_shipped");
        !status) {
      return status;
    }
    std::string objects_line = "hotsplice_trampoline.o hotsplice_tables.o hotsplice_patch_code.o";
    if (!request_.hooks.empty()) {
      auto hooks = read_file(request_.hooks, std::size_t{1} << 20);
      if (!hooks) return hooks.error();
      if (auto status = write_file_atomically(dir / "hotsplice_hooks.c", *hooks); !status) {
        return status;
      }
      objects_line += " hotsplice_hooks.o";
    }
    const std::string kbuild = "obj-m := " + request_.module_name + ".o\n" + request_.module_name +
                               "-y := " + objects_line + "\n";
    const std::pair<const char*, std::string> files[] = {
        {"Kbuild", kbuild},
        // modpost reads every object's kbuild command record (for symbol CRCs); the
        // shipped object has none unless we write it.
        {".hotsplice_patch_code.o.cmd", "cmd_hotsplice_patch_code.o := hotsplice-build\n"},
        {"hotsplice_trampoline.c", kTrampolineSource},
        {"hotsplice_trampoline.h", kTrampolineHeader},
        {"hotsplice_tables.c", generate_patch_tables(objects, klp_objects)},
    };
    for (const auto& [name, content] : files) {
      if (auto status = write_file_atomically(dir / name, content); !status) return status;
    }
    return Status::ok();
  }

  const PatchModuleRequest& request_;
  Exports exports_;
  std::map<std::string, SymbolPositions> positions_;
  RelocatableObject patch_object_;
};

}  // namespace

Expected<PatchModule> build_patch_module(const PatchModuleRequest& request) {
  return PatchModuleBuilder(request).run();
}

}  // namespace hotsplice::patchobj
