// Issue 12's browser test: hotsplice-hostd manages real guests of a private libvirtd (one of
// them named with markup), and headless Chromium, driven by tests/browser/dashboard_test.js
// (playwright-core), loads hostd's dashboard and checks it against hostd's own API: rows and
// statuses, the hostile name shown as text with nothing run, the filter, the detail view, the
// unreachable state, and no console error or CSP violation. It saves two screenshots.
#include <catch2/catch.hpp>

#include <chrono>
#include <iostream>
#include <map>

#include "core/base/file_io.h"
#include "core/base/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/vm/guestd_test_kit.h"
#include "tests/vm/harness/private_libvirt.h"
#include "tests/vm/hostd_test_kit.h"
#include "tests/vm/require_ok.h"

namespace hotsplice::vm {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr auto kBoot = 3min;     // a TCG guest under a loaded 2-core machine
constexpr auto kRollout = 3min;  // from a bundle in the repository to live in the guest

// What the test would like the hostile guest to be called, most hostile first. libvirt
// refuses '/' in a domain name, so the <script> element cannot be closed; the next one runs
// script through an attribute, which is what innerHTML with the name would do.
const std::vector<std::string> kHostileNames = {
    "<script>window.__pwned=1</script>",
    "<img src=x onerror=window.__pwned=1>",
};

// Why the browser test cannot run here, or "" when it can.
std::string missing_browser_parts() {
  if (!fs::exists(HOTSPLICE_CHROMIUM)) {
    return std::string(HOTSPLICE_CHROMIUM) + " is not installed (scripts/setup installs chromium)";
  }
  if (!fs::exists(fs::path(HOTSPLICE_BROWSER_TESTS) / "node_modules/playwright-core")) {
    return "playwright-core is not installed in " + std::string(HOTSPLICE_BROWSER_TESTS) +
           " (scripts/setup runs npm ci there)";
  }
  auto node = run_subprocess(SubprocessSpec({"node", "--version"}));
  if (!node || !node->succeeded()) return "node is not on PATH (scripts/setup installs it)";
  return "";
}

TEST_CASE("dashboard: headless Chromium shows hostd's guests as the API lists them", "[browser]") {
  if (auto why = missing_browser_parts(); !why.empty()) {
    std::cout << "SKIPPED: " << why << "\n";
    return;
  }
  auto& kit = GuestdTestKit::get();
  testing::TempDir work;
  auto libvirt = require_ok(PrivateLibvirt::start(work.path() / "libvirt", 20min));

  // web-1 gets the bundle; db-1 is pinned below it (pending, CVE open); the hostile guest
  // runs the older kernel no bundle targets (unsupported_kernel).
  std::map<std::string, LibvirtGuest> guests;
  guests.emplace("web-1", require_ok(libvirt->start_guest("web-1", kit.newest().image)));
  guests.emplace("db-1", require_ok(libvirt->start_guest("db-1", kit.newest().image)));
  std::string hostile;
  for (const auto& name : kHostileNames) {
    auto started = libvirt->start_guest(name, kit.older().image);
    if (started) {
      hostile = name;
      guests.emplace(name, std::move(*started));
      break;
    }
    std::cout << "libvirt refuses the name " << name << ": " << started.error().message() << "\n";
  }
  REQUIRE_FALSE(hostile.empty());
  std::cout << "hostile guest name: " << hostile << "\n";
  for (auto& [name, guest] : guests) require_ok(guest.wait_until_ready(Deadline::after(kBoot)));

  const std::string id = "hs-cmdline-1";
  fs::path bundle = work.path() / "bundles" / (id + ".hsb");
  fs::create_directories(bundle.parent_path());
  require_ok(
      write_file_atomically(bundle, kit.bundle(id, kit.newest().module, kit.newest().identity,
                                               {"CVE-2026-0001", "CVE-2026-0002"})));

  HostdUnderTest hostd(work.path() / "hostd", kit.key());
  HostdSettings settings;
  settings.pins = {{"db-1", ""}};
  settings.http_port = free_tcp_port();
  settings.dashboard_dir = HOTSPLICE_DASHBOARD_SOURCE_DIR;
  hostd.configure(settings);
  hostd.publish({bundle});
  hostd.start();
  hostd.wait_for_statuses(
      {{"web-1", "patched"}, {"db-1", "pending"}, {hostile, "unsupported_kernel"}},
      Deadline::after(kRollout));

  const auto started = std::chrono::steady_clock::now();
  auto run = require_ok(run_subprocess(SubprocessSpec(
      {"timeout", "300", "node", (fs::path(HOTSPLICE_BROWSER_TESTS) / "dashboard_test.js").string(),
       "--url", "http://127.0.0.1:" + std::to_string(*settings.http_port) + "/", "--chromium",
       HOTSPLICE_CHROMIUM, "--hostile", hostile, "--patched", "web-1", "--pending", "db-1",
       "--hostd-pid", std::to_string(hostd.pid()), "--screenshots",
       HOTSPLICE_BROWSER_OUTPUT_DIR})));
  std::cout << run.output;
  INFO("browser test output:\n" << run.output << "\nhostd log:\n" << file_tail(hostd.log(), 4096));
  CHECK(run.how_it_ended() == "exited with status 0");
  std::cout << "dashboard browser checks took "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()
            << " s; screenshots dashboard.png and dashboard-hostile.png in "
            << HOTSPLICE_BROWSER_OUTPUT_DIR << "\n";
  hostd.stop();
}

}  // namespace
}  // namespace hotsplice::vm
