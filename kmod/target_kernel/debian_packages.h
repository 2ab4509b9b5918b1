// Which Debian packages make up one kernel release, read from apt's and dpkg's own
// databases: the image package linux-image-<release> at one version, and the source
// package build that produced it (the image's Built-Using field: "linux (= 6.1.192-2)"),
// whose linux-source-<major.minor> binary package carries the same version.
#pragma once

#include <string>

#include "core/base/expected.h"

namespace hotsplice::target_kernel {

struct KernelPackages {
  std::string release;           // "6.1.0-56-amd64"
  std::string image_package;     // "linux-image-6.1.0-56-amd64"
  std::string version;           // the image package's version, "6.1.192-2"
  std::string source_package;    // "linux-source-6.1"
  std::string source_version;    // "6.1.192-2": the version of the source build (Built-Using)
  bool image_installed = false;  // dpkg has exactly this image version installed
};

// The fields of a Debian control paragraph ("Version: 6.1.192-2" ...) -> the packages.
// Fails with "invalid_package" naming the missing or malformed field.
Expected<KernelPackages> kernel_packages_from_control(const std::string& release,
                                                      const std::string& control, bool installed);

// The installed image of the release if dpkg has one, else apt's candidate version.
// Fails with "unknown_release" when neither knows linux-image-<release>.
Expected<KernelPackages> find_kernel_packages(const std::string& release);

}  // namespace hotsplice::target_kernel
