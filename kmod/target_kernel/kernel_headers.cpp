#include "kmod/target_kernel/kernel_headers.h"

#include <sstream>

#include "core/base/file_io.h"
#include "kmod/target_kernel/error_codes.h"
#include "kmod/target_kernel/package_download.h"

namespace hotsplice::target_kernel {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxMakefileBytes = 1 << 20;
constexpr std::string_view kDebianSourceDir = "/usr/src/";

std::string trimmed(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\n");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t\n") - first + 1);
}

// Points the flavour Makefile's include of the common tree into `root`.
Status redirect_common_include(const fs::path& tree, const fs::path& root) {
  auto makefile = read_file(tree / "Makefile", kMaxMakefileBytes);
  if (!makefile) return makefile.error();
  const std::string include = "include " + std::string(kDebianSourceDir);
  const auto at = makefile->find(include);
  if (at == std::string::npos) {
    return Error(errc::kInvalidPackage,
                 (tree / "Makefile").string() + " does not include the common headers' Makefile");
  }
  std::string redirected = *makefile;
  redirected.replace(at, include.size(), "include " + (root / "usr/src").string() + "/");
  return write_file_atomically(tree / "Makefile", redirected);
}

}  // namespace

std::vector<std::string> header_dependencies(const std::string& depends) {
  std::vector<std::string> names;
  std::istringstream entries(depends);
  for (std::string entry; std::getline(entries, entry, ',');) {
    // "a (>= 1) | b": the first alternative.
    std::string name = trimmed(entry.substr(0, entry.find_first_of(" (|")));
    if (name.empty()) name = trimmed(entry);
    name = name.substr(0, name.find_first_of(" (|"));
    if (name.starts_with("linux-headers-") || name.starts_with("linux-kbuild-")) {
      names.push_back(name);
    }
  }
  return names;
}

Expected<fs::path> kernel_build_tree(const KernelPackages& packages, const fs::path& cache_root,
                                     const fs::path& log, std::vector<std::string>& downloads) {
  const fs::path installed = "/lib/modules/" + packages.release + "/build";
  if (fs::exists(installed / "Makefile")) return installed;
  return downloaded_kernel_build_tree(packages, cache_root, log, downloads);
}

Expected<fs::path> downloaded_kernel_build_tree(const KernelPackages& packages,
                                                const fs::path& cache_root, const fs::path& log,
                                                std::vector<std::string>& downloads) {
  std::error_code error;
  const fs::path root =
      cache_root / "kernels" / (packages.release + "_" + packages.version) / "headers";
  const fs::path relative_tree = fs::path("usr/src") / ("linux-headers-" + packages.release);
  const fs::path complete = root / ".hotsplice-complete";  // written last
  if (fs::exists(complete)) return root / relative_tree;
  fs::remove_all(root, error);  // an earlier run's unfinished tree

  auto staging = staging_for(root);
  if (!staging) return staging.error();
  auto fail = [&](const Error& why) -> Expected<fs::path> {
    fs::remove_all(*staging, error);
    return why;
  };
  const fs::path debs = *staging / "debs";
  const fs::path extracted = *staging / "root";
  if (auto status = ensure_directory(debs); !status) return fail(status.error());
  if (auto status = ensure_directory(extracted); !status) return fail(status.error());

  const std::string headers = "linux-headers-" + packages.release;
  auto deb = download_package(headers, packages.version, debs, log, downloads);
  if (!deb) return fail(deb.error());
  auto depends = control_field(*deb, "Depends");
  if (!depends) return fail(depends.error());
  std::vector<fs::path> all = {*deb};
  for (const std::string& dependency : header_dependencies(*depends)) {
    auto other = download_package(dependency, packages.version, debs, log, downloads);
    if (!other) return fail(other.error());
    all.push_back(*other);
  }
  if (all.size() < 3) {
    return fail(
        Error(errc::kInvalidPackage, headers + " " + packages.version +
                                         " depends on no -common headers and kbuild: " + *depends));
  }
  for (const fs::path& package : all) {
    if (auto status = extract_members(package, "./usr/*", extracted, log); !status) {
      return fail(status.error());
    }
  }
  // The Makefile's include names the final place, so rename first and redirect after; the
  // tree counts only once the marker is written.
  fs::rename(extracted, root, error);
  if (error) return fail(io_error("rename into " + root.string(), error.value()));
  fs::remove_all(*staging, error);
  if (auto status = redirect_common_include(root / relative_tree, root); !status) {
    fs::remove_all(root, error);
    return status.error();
  }
  if (auto status = write_file_atomically(complete, ""); !status) return status.error();
  return root / relative_tree;
}

}  // namespace hotsplice::target_kernel
