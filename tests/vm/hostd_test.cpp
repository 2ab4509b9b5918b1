// Issue 9's acceptance tests: hotsplice-hostd, as a real child process, finds the guests of a
// real (private) libvirtd, and keeps their kernels patched through hotsplice-guestd inside
// each guest. What each guest's kernel runs is read from inside the guest (/proc/cmdline is
// what the test bundle replaces), never from hostd's own account.
#include <catch2/catch.hpp>

#include <chrono>
#include <iostream>
#include <thread>

#include "core/base/file_io.h"
#include "core/bundle/bundle_file.h"
#include "core/bundle/bundle_verifier.h"
#include "core/bundle/manifest.h"
#include "tests/support/temp_dir.h"
#include "tests/vm/guestd_test_kit.h"
#include "tests/vm/harness/guest_kernel.h"
#include "tests/vm/harness/kernel_module_build.h"
#include "tests/vm/harness/private_libvirt.h"
#include "tests/vm/hostd_test_kit.h"
#include "tests/vm/require_ok.h"

namespace hotsplice::vm {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr auto kBoot = 3min;     // a TCG guest under a loaded 2-core machine
constexpr auto kRollout = 3min;  // from a bundle in the repository to live in every guest

struct Lab {
  testing::TempDir work;
  std::unique_ptr<PrivateLibvirt> libvirt;
  std::map<std::string, LibvirtGuest> guests;

  Lab() { libvirt = require_ok(PrivateLibvirt::start(work.path() / "libvirt", 20min)); }

  void boot(const std::vector<std::pair<std::string, const TestKernel*>>& wanted,
            bool agent_channel = true) {
    for (const auto& [name, kernel] : wanted) {
      guests.emplace(name, require_ok(libvirt->start_guest(
                               name, kernel->image, "",
                               agent_channel ? PrivateLibvirt::AgentChannel::present
                                             : PrivateLibvirt::AgentChannel::absent)));
    }
    for (const auto& [name, kernel] : wanted) {
      require_ok(guests.at(name).wait_until_ready(Deadline::after(kBoot)));
    }
  }
  GuestShell& shell(const std::string& name) { return guests.at(name).shell(); }
  std::string run(const std::string& name, const std::string& script) {
    return require_ok(shell(name).check_output(script));
  }
  // How many times the agent in the guest tried to apply the bundle (its log, one line each).
  int apply_attempts(const std::string& name, const std::string& bundle_id) {
    return std::stoi(run(name, "grep -c 'bundle " + bundle_id +
                                   " \\(not \\)\\?applied' /tmp/hotsplice-guestd.log || true"));
  }
};

fs::path write_bundle(const fs::path& dir, const std::string& id, const std::string& bytes) {
  fs::create_directories(dir);
  fs::path file = dir / (id + ".hsb");
  require_ok(write_file_atomically(file, bytes));
  return file;
}

TEST_CASE(
    "hostd: patches every guest a bundle targets and reports the rest, then late, channel-less "
    "guests and a libvirtd restart",
    "[libvirt]") {
  auto& kit = GuestdTestKit::get();
  Lab lab;
  lab.boot({{"web-1", &kit.newest()}, {"web-2", &kit.newest()}, {"legacy-1", &kit.older()}});

  HostdUnderTest hostd(lab.work.path() / "hostd", kit.key());
  hostd.configure({});
  hostd.start();
  // An empty repository: nothing targets anyone's kernel yet, and nobody is "up to date".
  hostd.wait_for_statuses({{"web-1", "unsupported_kernel"},
                           {"web-2", "unsupported_kernel"},
                           {"legacy-1", "unsupported_kernel"}},
                          Deadline::after(kRollout));

  const std::string id = "hs-cmdline-1";
  auto bundle = write_bundle(lab.work.path() / "bundles", id,
                             kit.bundle(id, kit.newest().module, kit.newest().identity));
  const auto published = std::chrono::steady_clock::now();
  hostd.publish({bundle});
  hostd.wait_for_statuses({{"web-1", "patched"}, {"web-2", "patched"}}, Deadline::after(kRollout));
  const auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - published);
  std::cout << "hostd e2e: bundle published -> both guests patched in " << seconds.count()
            << " s; hostd RSS " << hostd.rss_kib() << " KiB\n";

  CHECK(lab.run("web-1", "cat /proc/cmdline") == kPatchedCmdline);
  CHECK(lab.run("web-2", "cat /proc/cmdline") == kPatchedCmdline);
  CHECK(lab.run("legacy-1", "cat /proc/cmdline") != kPatchedCmdline);
  CHECK(hostd.status_of("legacy-1") == "unsupported_kernel");
  auto web1 = *hostd.guest("web-1");
  REQUIRE(web1["applied"].size() == 1);
  CHECK(web1["applied"][0]["bundle_id"] == id);
  CHECK(web1["effective_kernel"] ==
        web1["kernel"]["release"].get<std::string>() + "+hotsplice." + id);

  {  // a guest started after hostd is found through the lifecycle event and patched
    lab.boot({{"web-3", &kit.newest()}});
    hostd.wait_for_statuses({{"web-3", "patched"}}, Deadline::after(kRollout));
    CHECK(lab.run("web-3", "cat /proc/cmdline") == kPatchedCmdline);
  }

  {  // a guest without the channel is no_channel, and is patched once hot-plug is allowed
    lab.boot({{"bare-1", &kit.newest()}}, /*agent_channel=*/false);
    hostd.wait_for_statuses({{"bare-1", "no_channel"}}, Deadline::after(kRollout));
    CHECK(lab.run("bare-1", "cat /proc/cmdline") != kPatchedCmdline);
    HostdSettings settings;
    settings.hotplug_channel = true;
    hostd.configure(settings);
    hostd.reload();
    hostd.wait_for_statuses({{"bare-1", "patched"}}, Deadline::after(kRollout));
    CHECK(lab.run("bare-1", "cat /proc/cmdline") == kPatchedCmdline);
  }

  {  // libvirtd restarted under hostd: hostd reconnects and carries on
    require_ok(lab.libvirt->restart_libvirtd(Deadline::after(2min)));
    lab.boot({{"web-4", &kit.newest()}});
    hostd.wait_for_statuses({{"web-4", "patched"}}, Deadline::after(kRollout));
    CHECK(lab.run("web-4", "cat /proc/cmdline") == kPatchedCmdline);
  }

  // Nothing was applied twice, whatever else happened.
  CHECK(lab.apply_attempts("web-1", id) == 1);
  CHECK(lab.apply_attempts("web-2", id) == 1);
  CHECK(lab.apply_attempts("legacy-1", id) == 0);
  hostd.stop();
}

TEST_CASE("hostd: a canary that fails stops the rollout and the others are untouched",
          "[libvirt]") {
  auto& kit = GuestdTestKit::get();
  Lab lab;
  lab.boot({{"c-1", &kit.newest()}, {"c-2", &kit.newest()}, {"c-3", &kit.newest()}});

  // A bundle for the right kernel whose module the kernel refuses (klp_enable_patch fails).
  auto module = require_ok(build_kernel_module(test_module_source("unloadable_livepatch"),
                                               "hotsplice_test_unloadable", kit.newest().release,
                                               lab.work.path() / "module"));
  Manifest manifest;
  manifest.id = "hs-unloadable-1";
  manifest.description = "VM test: a live patch the kernel refuses";
  manifest.target = kit.newest().identity;
  manifest.replaces = {{"vmlinux", {"hotsplice_no_such_function"}}};
  manifest.module.name = "hotsplice_test_unloadable";
  manifest.created = "2026-11-30T05:00:00Z";
  auto parts =
      require_ok(make_signed_bundle(manifest, require_ok(read_file(module, 16 << 20)), kit.key()));

  HostdUnderTest hostd(lab.work.path() / "hostd", kit.key());
  HostdSettings settings;
  settings.canary_count = 1;
  settings.canary_wait_seconds = 5;
  settings.concurrency = 1;
  hostd.configure(settings);
  hostd.publish({write_bundle(lab.work.path() / "bundles", manifest.id, encode_bundle(parts))});
  hostd.start();

  hostd.wait_until(
      "one failed canary",
      [](const Json& all) {
        for (const auto& record : HostdUnderTest::records(all)) {
          if (record.value("status", "") == "failed") return true;
        }
        return false;
      },
      Deadline::after(kRollout));
  // Long enough for a rollout that did not stop to reach the next guest.
  std::this_thread::sleep_for(15s);
  int failed = 0, attempts = 0;
  for (const std::string name : {"c-1", "c-2", "c-3"}) {
    auto record = *hostd.guest(name);
    INFO(record.dump(1));
    if (record["status"] == "failed") {
      ++failed;
      CHECK_FALSE(record.value("reason", "").empty());
    } else {
      CHECK(record["status"] == "pending");
    }
    attempts += lab.apply_attempts(name, manifest.id);
    // Nothing of it is live anywhere.
    CHECK(lab.run(name, "ls /sys/kernel/livepatch | wc -l") == "0\n");
  }
  CHECK(failed == 1);
  CHECK(attempts == 1);
  hostd.stop();
}

TEST_CASE(
    "hostd: killed mid-rollout it resumes without applying twice, and a hostile guest costs "
    "only its own session",
    "[libvirt]") {
  auto& kit = GuestdTestKit::get();
  Lab lab;
  lab.boot({{"k-1", &kit.newest()},
            {"k-2", &kit.newest()},
            {"k-3", &kit.newest()},
            {"hostile-1", &kit.newest()}});

  // In hostile-1 the agent is replaced by a writer of garbage, an oversized frame (4 MiB with
  // no delimiter) and a slow trickle, into the agent's own port.
  lab.run("hostile-1", R"sh(
    killall hotsplice-guestd; sleep 1
    for p in /sys/class/virtio-ports/*; do
      [ "$(cat $p/name)" = org.hotsplice.agent.0 ] && port=/dev/${p##*/}
    done
    ( i=0; while [ $i -lt 32 ]; do head -c 65536 /dev/urandom; i=$((i+1)); done
      tr -d '\000' < /dev/urandom | head -c 4194304
      i=0; while [ $i -lt 300 ]; do printf x; sleep 1; i=$((i+1)); done ) > $port 2>/dev/null &
    echo started)sh");

  const std::string id = "hs-cmdline-1";
  HostdUnderTest hostd(lab.work.path() / "hostd", kit.key());
  HostdSettings settings;
  settings.concurrency = 1;
  hostd.configure(settings);
  hostd.publish({write_bundle(lab.work.path() / "bundles", id,
                              kit.bundle(id, kit.newest().module, kit.newest().identity))});
  hostd.start();
  long rss_before = hostd.rss_kib();

  // Killed as soon as the first guest is patched: the rollout is half done.
  hostd.wait_until(
      "a first patched guest",
      [](const Json& all) {
        for (const auto& record : HostdUnderTest::records(all)) {
          if (record.value("status", "") == "patched") return true;
        }
        return false;
      },
      Deadline::after(kRollout));
  long rss_during = hostd.rss_kib();
  hostd.kill_hard();
  hostd.start();
  hostd.wait_for_statuses({{"k-1", "patched"}, {"k-2", "patched"}, {"k-3", "patched"}},
                          Deadline::after(kRollout));
  long rss_after = hostd.rss_kib();
  std::cout << "hostd e2e: RSS before/during/after hostile guest " << rss_before << "/"
            << rss_during << "/" << rss_after << " KiB\n";

  for (const std::string name : {"k-1", "k-2", "k-3"}) {
    CHECK(lab.run(name, "cat /proc/cmdline") == kPatchedCmdline);
    CHECK(lab.apply_attempts(name, id) == 1);
  }
  const std::string hostile = hostd.status_of("hostile-1");
  CHECK((hostile == "agent_silent" || hostile == "failed" || hostile == "unknown"));
  CHECK(lab.run("hostile-1", "cat /proc/cmdline") != kPatchedCmdline);
  // The hostile guest's frames are bounded per session: hostd does not grow with them.
  CHECK(rss_during - rss_before < 32 * 1024);
  hostd.stop();
}

}  // namespace
}  // namespace hotsplice::vm
