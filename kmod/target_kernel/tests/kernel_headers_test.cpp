// The Kbuild tree of a release whose headers are not installed: the three headers packages
// downloaded for real (~12 MB, only when HOTSPLICE_DOWNLOAD_TESTS=1) into a private cache,
// and a real module built against that tree with the system's gcc and kbuild.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "core/base/file_io.h"
#include "kmod/target_kernel/debian_packages.h"
#include "kmod/target_kernel/kernel_headers.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

using namespace hotsplice;
using namespace hotsplice::target_kernel;
namespace fs = std::filesystem;

TEST_CASE("a headers package's Depends names its -common headers and kbuild") {
  CHECK(header_dependencies("linux-headers-6.1.0-56-common (= 6.1.192-2), linux-kbuild-6.1 (>= "
                            "6.1.192-2), linux-compiler-gcc-12-x86, gcc-12") ==
        std::vector<std::string>{"linux-headers-6.1.0-56-common", "linux-kbuild-6.1"});
  CHECK(header_dependencies("linux-base, linux-headers-6.12.117+deb12-common (= "
                            "6.12.117-1~deb12u1), linux-image-6.12.117+deb12-amd64 | "
                            "linux-image-6.12.117+deb12-amd64-unsigned, "
                            "linux-kbuild-6.12.117+deb12 (= 6.12.117-1~deb12u1), gcc-12") ==
        std::vector<std::string>{"linux-headers-6.12.117+deb12-common",
                                 "linux-kbuild-6.12.117+deb12"});
  CHECK(header_dependencies("").empty());
}

TEST_CASE("headers downloaded into the cache build a real module against that release") {
  const char* opted_in = std::getenv("HOTSPLICE_DOWNLOAD_TESTS");
  if (opted_in == nullptr || std::string(opted_in) != "1") {
    WARN("SKIPPED: downloads the headers packages; set HOTSPLICE_DOWNLOAD_TESTS=1 to run it");
    return;
  }
  const std::string release = "6.12.117+deb12-amd64";
  auto packages = find_kernel_packages(release);
  if (!packages) {
    WARN("SKIPPED: apt does not know " << release << ": " << packages.error().message());
    return;
  }
  hotsplice::testing::TempDir dir;
  std::vector<std::string> downloads;
  auto tree = downloaded_kernel_build_tree(*packages, dir / "cache", dir / "log", downloads);
  INFO((tree ? tree->string() : tree.error().message()));
  REQUIRE(tree);
  CHECK(downloads.size() == 3);
  for (const auto& download : downloads) std::cout << "  " << download << "\n";
  CHECK(tree->string().starts_with((dir / "cache").string()));
  auto symvers = read_file(*tree / "Module.symvers", 16 << 20);
  REQUIRE(symvers);
  CHECK(symvers->find("\tseq_printf\tvmlinux\t") != std::string::npos);
  // Cached: a second call downloads nothing.
  std::vector<std::string> again;
  auto cached = downloaded_kernel_build_tree(*packages, dir / "cache", dir / "log", again);
  REQUIRE(cached);
  CHECK(*cached == *tree);
  CHECK(again.empty());

  dir.write("module/hello.c",
            "#include <linux/module.h>\n"
            "static int __init hello_init(void) { pr_info(\"hello\\n\"); return 0; }\n"
            "module_init(hello_init);\nMODULE_LICENSE(\"GPL\");\n");
  dir.write("module/Makefile", "obj-m := hello.o\n");
  const auto built = hotsplice::testing::run_process(
      {"make", "-C", tree->string(), "M=" + (dir / "module").string(), "modules"});
  INFO(built.output);
  REQUIRE(built.exit_code == 0);
  const auto info = hotsplice::testing::run_process(
      {"modinfo", "-F", "vermagic", (dir / "module/hello.ko").string()});
  CHECK(info.output.starts_with(release + " "));
}
