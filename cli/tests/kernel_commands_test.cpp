#include <catch2/catch.hpp>

#include "cli/kernel_commands.h"
#include "cli/tests/command_runner.h"
#include "core/base/json_reader.h"
#include "core/base/outside_text.h"
#include "tests/support/temp_dir.h"

namespace cli = hotsplice::cli;
using hotsplice::cli::testing::run;
namespace fs = std::filesystem;

namespace {

// A root made of the recorded host kernel identity plus a hand-made livepatch tree.
void make_root(const hotsplice::testing::TempDir& dir) {
  fs::path fixtures = HOTSPLICE_KERNEL_FIXTURES;
  fs::copy(fixtures / "host-6.18.44-fc", dir.path(), fs::copy_options::recursive);
  fs::copy(fixtures / "handmade-livepatch-two-patches", dir.path(),
           fs::copy_options::recursive | fs::copy_options::overwrite_existing);
}

}  // namespace

TEST_CASE("kernel status shows the identity and every live patch") {
  hotsplice::testing::TempDir dir;
  make_root(dir);
  auto status = run(cli::run_kernel_status, {"--root", dir.path().string()});
  INFO(status.err);
  REQUIRE(status.exit_code == 0);
  CHECK_THAT(status.out, Catch::Contains("Kernel         6.18.44-fc-v595"));
  CHECK_THAT(status.out, Catch::Contains("build-id     e4f18d9dc1d0e6fc2b17e93e885a647b3c0a6fc1"));
  CHECK_THAT(status.out, Catch::Contains("livepatch_cumulative_2 (enabled"));
  CHECK_THAT(status.out, Catch::Contains("vmlinux:uptime_proc_show"));

  auto json_run = run(cli::run_kernel_status, {"--root", dir.path().string(), "--json"});
  auto json = hotsplice::parse_json(json_run.out, "status");
  REQUIRE(json);
  CHECK((*json)["kernel"]["release"] == "6.18.44-fc-v595");
  CHECK((*json)["livepatches"].size() == 2);
}

TEST_CASE("kernel status names what is missing from a broken root") {
  hotsplice::testing::TempDir dir;
  auto status = run(cli::run_kernel_status, {"--root", dir.path().string()});
  CHECK(status.exit_code == cli::kExitFailure);
  CHECK_THAT(status.err, Catch::Contains("osrelease"));
}

TEST_CASE("kernel identify reads a Debian kernel image") {
  auto text = run(cli::run_kernel_identify, {"/boot/vmlinuz-6.1.0-56-amd64"});
  REQUIRE(text.exit_code == 0);
  CHECK_THAT(text.out, Catch::StartsWith("Kernel         6.1.0-56-amd64\n"));
  auto json_run = run(cli::run_kernel_identify, {"--json", "/boot/vmlinuz-6.1.0-53-amd64"});
  auto json = hotsplice::parse_json(json_run.out, "identify");
  REQUIRE(json);
  CHECK((*json)["release"] == "6.1.0-53-amd64");

  hotsplice::testing::TempDir dir;
  auto refused = run(cli::run_kernel_identify, {dir.write("fake", "MZ not a kernel").string()});
  CHECK(refused.exit_code == cli::kExitFailure);
  CHECK_THAT(refused.err, Catch::Contains("[not_bzimage]"));
  CHECK(run(cli::run_kernel_identify, {}).exit_code == cli::kExitUsage);
}

namespace {

std::string hostile(const char* name) {
  return (fs::path(HOTSPLICE_HOSTILE_FIXTURES) / name).string();
}

}  // namespace

TEST_CASE("kernel identify of an image whose version is not UTF-8 escapes the bytes") {
  // Used to abort with an uncaught nlohmann type_error 316 (exit 134).
  auto json_run = run(cli::run_kernel_identify, {"--json", hostile("kernel-version-not-utf8.img")});
  INFO(json_run.err);
  REQUIRE(json_run.exit_code == 0);
  auto json = hotsplice::parse_json(json_run.out, "identify");
  REQUIRE(json);
  CHECK_THAT((*json)["version"].get<std::string>(), Catch::Contains("\\x"));
  auto text = run(cli::run_kernel_identify, {hostile("kernel-version-not-utf8.img")});
  CHECK(text.exit_code == 0);
  CHECK(hotsplice::is_valid_utf8(text.out));
}

TEST_CASE("kernel identify never prints an image's terminal escapes raw") {
  auto text = run(cli::run_kernel_identify, {hostile("kernel-version-terminal-escapes.img")});
  INFO(text.err);
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.find('\x1b') == std::string::npos);
  CHECK(text.out.find('\x07') == std::string::npos);
  CHECK_THAT(text.out, Catch::Contains("\\x1b]0;owned\\x07"));
  // In JSON the escapes are JSON escapes (\u001b), which a terminal does not act on.
  auto json_run =
      run(cli::run_kernel_identify, {"--json", hostile("kernel-version-terminal-escapes.img")});
  CHECK(json_run.out.find('\x1b') == std::string::npos);
  CHECK(hotsplice::parse_json(json_run.out, "identify"));
}
