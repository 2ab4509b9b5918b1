// The dashboard of a real hotsplice-hostd whose guest directory is unreachable (libvirt at a
// socket where nothing listens), in headless Chromium: tests/browser/directory_down_test.js
// checks the banner (disconnected, since when, why) and that an empty table says the guests
// are unknown rather than that there are none. No guests and no QEMU are needed.
#include <catch2/catch.hpp>
#include <iostream>
#include <thread>

#include "core/base/file_io.h"
#include "core/base/subprocess.h"
#include "hostagent/control_client.h"
#include "hostagent/tests/hostd_process.h"
#include "tests/support/temp_dir.h"

using namespace hotsplice;
using namespace hotsplice::hostd;
namespace fs = std::filesystem;

TEST_CASE("dashboard: a disconnected guest directory is shown, never an empty host", "[browser]") {
  const fs::path browser_tests = HOTSPLICE_BROWSER_TESTS;
  if (!fs::exists(HOTSPLICE_CHROMIUM) ||
      !fs::exists(browser_tests / "node_modules" / "playwright-core")) {
    std::cout << "SKIPPED: needs " << HOTSPLICE_CHROMIUM << " and playwright-core in "
              << browser_tests.string() << " (scripts/setup installs both)\n";
    return;
  }
  hotsplice::testing::TempDir dir;
  Json config = hostd::testing::unreachable_libvirt_config(dir.path());
  config["host"] = {{"patch_kernel", "off"}};  // no host record: the table is empty
  config["http"]["dashboard_dir"] = HOTSPLICE_DASHBOARD_SOURCE;
  auto path = dir.write("hostd.json", config.dump());
  hostd::testing::HostdProcess hostd(path, dir / "hostd.log", {});
  INFO("hostd log:\n" << file_tail(dir / "hostd.log"));
  // The port hostd bound (listen :0), once the directory has failed at least once.
  std::string address;
  for (int i = 0; i < 200 && address.empty(); ++i) {
    ControlRequest request;
    request.command = ControlCommand::status;
    auto status = call_hostd(dir / "run" / "hostd.sock", request, std::chrono::seconds(5));
    if (status && (*status)["http"]["listening"] == true &&
        (*status)["guest_directory"]["why"] != "not connected yet") {
      address = (*status)["http"]["address"].get<std::string>();
    }
    if (address.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE_FALSE(address.empty());
  auto result = run_subprocess(
      SubprocessSpec({"node", (browser_tests / "directory_down_test.js").string(), "--url",
                      "http://" + address + "/", "--chromium", HOTSPLICE_CHROMIUM}));
  REQUIRE(result);
  INFO(result->output);
  CHECK(result->succeeded());
  CHECK_THAT(result->output, Catch::Contains("all checks held"));
}
