#include "kmod/target_kernel/debian_packages.h"

#include <regex>
#include <sstream>

#include "kmod/kernel_tree/process.h"
#include "kmod/target_kernel/error_codes.h"

namespace hotsplice::target_kernel {
namespace {

// A Debian release name as `uname -r` prints it; refused otherwise before it reaches apt.
bool plausible_release(const std::string& release) {
  static const std::regex kRelease("[0-9]+\\.[0-9]+[0-9A-Za-z.+~-]*");
  return release.size() < 100 && std::regex_match(release, kRelease);
}

std::string field(const std::string& control, const std::string& name) {
  std::istringstream lines(control);
  const std::string prefix = name + ": ";
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) break;  // only the first paragraph
    if (line.starts_with(prefix)) return line.substr(prefix.size());
  }
  return {};
}

}  // namespace

Expected<KernelPackages> kernel_packages_from_control(const std::string& release,
                                                      const std::string& control, bool installed) {
  KernelPackages packages;
  packages.release = release;
  packages.image_package = "linux-image-" + release;
  packages.image_installed = installed;
  packages.version = field(control, "Version");
  const std::string built_using = field(control, "Built-Using");
  auto invalid = [&](const std::string& why) {
    return Error(errc::kInvalidPackage, packages.image_package + ": " + why);
  };
  if (packages.version.empty()) return invalid("no Version field");
  // "linux (= 6.1.192-2)" or "linux-6.12 (= 6.12.117-1~deb12u1)"; signed images list only
  // the kernel source package there.
  static const std::regex kBuiltUsing("(linux(-[0-9.]+)?) \\(= ([0-9][0-9A-Za-z.+~-]*)\\)");
  std::smatch match;
  if (!std::regex_search(built_using, match, kBuiltUsing)) {
    return invalid("no Built-Using field naming the linux source build (\"" + built_using + "\")");
  }
  packages.source_version = match[3];
  // linux-source-<major.minor>: from the upstream part of the source version.
  static const std::regex kUpstream("^([0-9]+\\.[0-9]+)\\.");
  std::smatch upstream;
  if (!std::regex_search(packages.source_version, upstream, kUpstream)) {
    return invalid("source version " + packages.source_version + " has no major.minor");
  }
  packages.source_package = "linux-source-" + upstream[1].str();
  return packages;
}

Expected<KernelPackages> find_kernel_packages(const std::string& release) {
  if (!plausible_release(release)) {
    return Error(errc::kUnknownRelease, "\"" + release + "\" is not a kernel release name");
  }
  const std::string package = "linux-image-" + release;
  auto installed =
      kernel_tree::capture_output({"dpkg-query", "-W", "-f=${Status}\\n", package}, "/");
  if (installed && installed->starts_with("install ok installed")) {
    auto control = kernel_tree::capture_output(
        {"dpkg-query", "-W", "-f=Version: ${Version}\\nBuilt-Using: ${Built-Using}\\n", package},
        "/");
    if (!control) return control.error();
    return kernel_packages_from_control(release, *control, true);
  }
  auto control =
      kernel_tree::capture_output({"apt-cache", "show", "--no-all-versions", package}, "/");
  if (!control || control->empty()) {
    return Error(errc::kUnknownRelease,
                 "neither dpkg nor apt knows " + package +
                     " (is the release right, and are apt's package lists up to date?)");
  }
  return kernel_packages_from_control(release, *control, false);
}

}  // namespace hotsplice::target_kernel
