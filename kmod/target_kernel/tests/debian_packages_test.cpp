// The packages of a kernel release, from control paragraphs as dpkg and apt print them and
// from this machine's real dpkg database.
#include <catch2/catch.hpp>

#include <iostream>

#include "kmod/target_kernel/debian_packages.h"

using namespace hotsplice::target_kernel;

TEST_CASE("debian packages: the source build comes from Built-Using, not the newest source") {
  auto packages = kernel_packages_from_control(
      "6.1.0-56-amd64",
      "Package: linux-image-6.1.0-56-amd64\nSource: linux-signed-amd64 (6.1.192+2)\n"
      "Version: 6.1.192-2\nBuilt-Using: linux (= 6.1.192-2)\n",
      false);
  REQUIRE(packages);
  CHECK(packages->version == "6.1.192-2");
  CHECK(packages->source_package == "linux-source-6.1");
  CHECK(packages->source_version == "6.1.192-2");

  auto series = kernel_packages_from_control(
      "6.12.117+deb12-amd64",
      "Version: 6.12.117-1~deb12u1\nBuilt-Using: linux-6.12 (= 6.12.117-1~deb12u1)\n", true);
  REQUIRE(series);
  CHECK(series->source_package == "linux-source-6.12");
  CHECK(series->source_version == "6.12.117-1~deb12u1");
  CHECK(series->image_installed);
}

TEST_CASE("debian packages: missing or malformed fields are refused, naming the field") {
  auto no_version =
      kernel_packages_from_control("6.1.0-56-amd64", "Built-Using: linux (= 1)\n", false);
  REQUIRE_FALSE(no_version);
  CHECK(no_version.error().code() == "invalid_package");
  CHECK_THAT(no_version.error().message(), Catch::Contains("Version"));
  auto no_source = kernel_packages_from_control("6.1.0-56-amd64", "Version: 6.1.192-2\n", false);
  REQUIRE_FALSE(no_source);
  CHECK_THAT(no_source.error().message(), Catch::Contains("Built-Using"));
  // A second paragraph (another version in apt-cache show) is not read.
  auto second = kernel_packages_from_control(
      "6.1.0-56-amd64", "Version: 6.1.192-2\n\nBuilt-Using: linux (= 6.1.192-2)\n", false);
  REQUIRE_FALSE(second);
}

TEST_CASE("debian packages: this machine's test kernel 6.1.0-56 and an unknown release") {
  auto packages = find_kernel_packages("6.1.0-56-amd64");
  if (!packages) {
    WARN("SKIPPED: " << packages.error().message());
    return;
  }
  CHECK(packages->version == "6.1.192-2");
  CHECK(packages->source_version == "6.1.192-2");
  CHECK(packages->source_package == "linux-source-6.1");
  auto unknown = find_kernel_packages("9.9.9-1-nonexistent");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code() == "unknown_release");
  auto hostile = find_kernel_packages("6.1; rm -rf /");
  REQUIRE_FALSE(hostile);
  CHECK(hostile.error().code() == "unknown_release");
}
