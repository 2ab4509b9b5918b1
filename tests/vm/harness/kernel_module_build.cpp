#include "tests/vm/harness/kernel_module_build.h"

#include "core/base/file_io.h"
#include "tests/vm/harness/child_process.h"
#include "tests/vm/harness/error_codes.h"

namespace hotsplice::vm {

Expected<std::filesystem::path> build_kernel_module(const std::filesystem::path& source_dir,
                                                    const std::string& module_name,
                                                    const std::string& release,
                                                    const std::filesystem::path& work_dir) {
  std::filesystem::path headers = std::filesystem::path("/lib/modules") / release / "build";
  if (!std::filesystem::exists(headers / "Makefile")) {
    return Error(errc::kHeadersMissing, headers.string() +
                                            " has no Makefile: install linux-headers-" + release +
                                            " (scripts/setup does)");
  }
  if (Status made = ensure_directory(work_dir); !made) return made.error();
  std::error_code error;
  std::filesystem::copy(
      source_dir, work_dir,
      std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing,
      error);
  if (error) return io_error("copying " + source_dir.string(), error.value());

  // -j1: the test machines have two cores shared by parallel tests.
  Status built =
      run_command({"make", "-j1", "-C", headers.string(), "M=" + work_dir.string(), "modules"},
                  work_dir / "build.log", Deadline::after(std::chrono::minutes(5)));
  if (!built) return built.error().with_context("building " + module_name + " for " + release);
  std::filesystem::path module = work_dir / (module_name + ".ko");
  if (!std::filesystem::exists(module)) {
    return Error(errc::kBuildFailed, "kbuild succeeded but produced no " + module.string());
  }
  return module;
}

std::filesystem::path test_module_source(const std::string& name) {
  return std::filesystem::path(HOTSPLICE_VM_MODULES_DIR) / name;
}

}  // namespace hotsplice::vm
