#include "kmod/target_kernel/kernel_inputs.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "core/base/file_io.h"
#include "core/kernel/kernel_image.h"
#include "kmod/kernel_tree/process.h"
#include "kmod/target_kernel/error_codes.h"
#include "kmod/target_kernel/kallsyms_tables.h"
#include "kmod/target_kernel/package_download.h"

namespace hotsplice::target_kernel {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxConfigBytes = 4 << 20;

// <cache>/sources/<package>_<version>.tar.xz: the exact source of the image.
Expected<fs::path> exact_source(const KernelPackages& packages, const fs::path& cache_root,
                                const fs::path& log, std::vector<std::string>& downloads) {
  const fs::path tarball = cache_root / "sources" /
                           (packages.source_package + "_" + packages.source_version + ".tar.xz");
  if (fs::exists(tarball)) return tarball;
  if (auto status = ensure_directory(tarball.parent_path()); !status) return status.error();
  auto staging = staging_for(tarball);
  if (!staging) return staging.error();
  std::error_code error;
  auto cleanup = [&] { fs::remove_all(*staging, error); };
  auto deb =
      download_package(packages.source_package, packages.source_version, *staging, log, downloads);
  if (!deb) {
    cleanup();
    return deb.error();
  }
  const std::string member = "./usr/src/" + packages.source_package + ".tar.xz";
  if (auto status = extract_members(*deb, member, *staging, log); !status) {
    cleanup();
    return status.error();
  }
  fs::rename(*staging / member, tarball, error);
  cleanup();
  if (error) return io_error("rename into " + tarball.string(), error.value());
  return tarball;
}

// The image package's ./boot (vmlinuz, config, System.map), from /boot when that exact
// version is installed, else downloaded and extracted into the cache.
Expected<fs::path> boot_files(const KernelPackages& packages, const fs::path& kernel_dir,
                              const fs::path& log, std::vector<std::string>& downloads) {
  if (packages.image_installed && fs::exists("/boot/vmlinuz-" + packages.release) &&
      fs::exists("/boot/config-" + packages.release)) {
    return fs::path("/boot");
  }
  const fs::path boot = kernel_dir / "boot";
  if (fs::exists(boot / ("config-" + packages.release))) return boot;
  auto staging = staging_for(boot);
  if (!staging) return staging.error();
  std::error_code error;
  auto cleanup = [&] { fs::remove_all(*staging, error); };
  auto deb = download_package(packages.image_package, packages.version, *staging, log, downloads);
  if (!deb) {
    cleanup();
    return deb.error();
  }
  if (auto status = extract_members(*deb, "./boot/*", *staging, log); !status) {
    cleanup();
    return status.error();
  }
  fs::rename(*staging / "boot", boot, error);
  cleanup();
  if (error) return io_error("rename into " + boot.string(), error.value());
  return boot;
}

bool config_says_yes(const std::string& config, const std::string& option) {
  return config.find("\n" + option + "=y\n") != std::string::npos;
}

}  // namespace

fs::path default_cache_root() {
  const char* configured = std::getenv("HOTSPLICE_CACHE");
  return configured && *configured ? fs::path(configured) : fs::path("/var/cache/hotsplice");
}

Expected<KernelInputs> prepare_kernel_inputs(const std::string& release, const fs::path& cache_root,
                                             const fs::path& log, const fs::path& given_kallsyms) {
  KernelInputs inputs;
  auto packages = find_kernel_packages(release);
  if (!packages) return packages.error();
  inputs.packages = *packages;
  const fs::path kernel_dir = cache_root / "kernels" / (release + "_" + packages->version);
  if (auto status = ensure_directory(kernel_dir); !status) return status.error();

  auto boot = boot_files(*packages, kernel_dir, log, inputs.downloads);
  if (!boot) return boot.error();
  inputs.image = *boot / ("vmlinuz-" + release);
  inputs.config = *boot / ("config-" + release);
  auto source = exact_source(*packages, cache_root, log, inputs.downloads);
  if (!source) return source.error();
  inputs.source = *source;

  // The decompressed image and the symbols read from it are kept: both are needed by every
  // build for this release.
  inputs.vmlinux = kernel_dir / "vmlinux";
  inputs.kallsyms = kernel_dir / "kallsyms";
  const fs::path origin = kernel_dir / "kallsyms.origin";
  auto use_given = [&] {
    if (given_kallsyms.empty()) return;
    inputs.kallsyms = given_kallsyms;
    inputs.symbols_origin = "given with --kallsyms: " + given_kallsyms.string();
  };
  if (fs::exists(inputs.vmlinux) && fs::exists(inputs.kallsyms) && fs::exists(origin)) {
    auto text = read_file(origin, 4096);
    if (!text) return text.error();
    inputs.symbols_origin = *text;
    if (fs::file_size(inputs.kallsyms) == 0) inputs.kallsyms.clear();  // older caches
    use_given();
    return inputs;
  }
  auto image = read_file(inputs.image, kMaxKernelImageBytes);
  if (!image) return image.error();
  auto vmlinux = read_kernel_image_vmlinux(*image);
  if (!vmlinux) return vmlinux.error().with_context(inputs.image.string());
  auto config = read_file(inputs.config, kMaxConfigBytes);
  if (!config) return config.error();
  if (auto status = write_file_atomically(inputs.vmlinux, *vmlinux); !status) return status.error();
  KallsymsLayout layout;
  layout.absolute_percpu = config_says_yes("\n" + *config, "CONFIG_KALLSYMS_ABSOLUTE_PERCPU");
  // Debian's image packages ship a placeholder System.map ("The real System.map is in
  // the linux-image-<version>-dbg package"): the image's own tables are the first source,
  // the -dbg package's vmlinux the second (unless --kallsyms gives them: then neither).
  // Not fatal: a module-only patch does not need them.
  auto decoded = read_kallsyms_tables(*vmlinux, layout);
  if (decoded) {
    inputs.symbols_origin = "kallsyms tables decoded from " + inputs.image.string() + " (" +
                            std::to_string(decoded->size()) + " symbols)";
    if (auto status = write_file_atomically(inputs.kallsyms, kallsyms_text(*decoded)); !status) {
      return status.error();
    }
  } else if (!given_kallsyms.empty()) {
    use_given();
    return inputs;  // nothing cached: a later run without --kallsyms tries again
  } else if (auto from_dbg =
                 symbols_from_dbg_package(*packages, inputs.kallsyms, log, inputs.downloads)) {
    inputs.symbols_origin =
        *from_dbg + " (the image's kallsyms tables: " + decoded.error().message() + ")";
  } else {
    inputs.symbols_origin = "none: " + decoded.error().message() + "; " +
                            from_dbg.error().message() +
                            "; pass a guest's /proc/kallsyms with --kallsyms";
    inputs.kallsyms.clear();
    return inputs;  // nothing cached: the download may work next time
  }
  if (auto status = write_file_atomically(origin, inputs.symbols_origin); !status) {
    return status.error();
  }
  use_given();
  return inputs;
}

Expected<std::string> symbols_from_dbg_package(const KernelPackages& packages,
                                               const fs::path& kallsyms, const fs::path& log,
                                               std::vector<std::string>& downloads) {
  const std::string package = packages.image_package + "-dbg";
  auto staging = staging_for(kallsyms);
  if (!staging) return staging.error();
  std::error_code error;
  auto cleanup = [&] { fs::remove_all(*staging, error); };
  auto deb = download_package(package, packages.version, *staging, log, downloads);
  if (!deb) {
    cleanup();
    return deb.error();
  }
  const std::string member = "./usr/lib/debug/boot/vmlinux-" + packages.release;
  if (auto status = extract_members(*deb, member, *staging, log); !status) {
    cleanup();
    return status.error();
  }
  const fs::path listed = *staging / "kallsyms";
  if (auto status = kernel_tree::run_logged({"sh", "-c", "nm -n --defined-only \"$1\" > \"$2\"",
                                             "sh", (*staging / member).string(), listed.string()},
                                            *staging, log);
      !status) {
    cleanup();
    return status.error().with_context("reading the symbols of " + package);
  }
  auto text = read_file(listed, std::size_t{256} << 20);
  cleanup();
  if (!text) return text.error();
  const auto lines = std::count(text->begin(), text->end(), '\n');
  if (lines == 0) return Error(errc::kKallsymsNotFound, package + "'s vmlinux has no symbols");
  if (auto status = write_file_atomically(kallsyms, *text); !status) return status.error();
  return "symbol table of " + package + " " + packages.version + "'s vmlinux (" +
         std::to_string(lines) + " symbols)";
}

}  // namespace hotsplice::target_kernel
