// Fault injection in a real guest (issue 13): the guest is powered off, then reset, while
// hotsplice-guestd applies a bundle that the real hostd rolls out, and boots again on the same
// state disk each time. The end state must be consistent and told truthfully: the kernel is
// patched or it is not, and guestd's files, its hello and hostd's report all say which.
//
// hostd is hotsplice-hostd-sim (the real daemon, its guests found as sockets in a directory
// instead of libvirt's domains); its one guest's socket is a relay (tests/fault) to the QEMU
// guest's agent port, which lets the test freeze the conversation mid-transfer and point
// hostd at the guest's next boot. One test case chains the three boots.
#include <catch2/catch.hpp>

#include <csignal>
#include <functional>
#include <iostream>
#include <optional>
#include <thread>

#include "bench/fanout/sim_bundle.h"
#include "bench/fanout/sim_guest_names.h"
#include "core/base/file_io.h"
#include "tests/fault/cutting_relay.h"
#include "tests/fault/sim_fleet.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"
#include "tests/vm/guestd_host_client.h"
#include "tests/vm/guestd_test_kit.h"
#include "tests/vm/harness/qemu_guest.h"
#include "tests/vm/require_ok.h"

namespace hotsplice::vm {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using fault::CuttingRelay;
using fault::Direction;

const std::string kLivepatchDir = std::string("/sys/kernel/livepatch/") + kCmdlineModule;
// What the guest prints on its console just before it resets itself.
constexpr const char* kResetMarker = "hotsplice-test-reset:";

std::string guest_output(GuestShell& shell, const std::string& script) {
  return require_ok(shell.check_output(script));
}

// Waits inside the guest, bounded (~15 s), for a shell condition.
void wait_in_guest(GuestShell& shell, const std::string& condition) {
  require_ok(shell.check_output("i=0; until " + condition +
                                "; do i=$((i+1)); [ $i -gt 300 ] && exit 1; usleep 50000; done"));
}

// hostd's record of the guest (null while hostd does not list it).
nlohmann::json hostd_record(const fs::path& control, const std::string& uuid) {
  if (auto guests = fault::hostd_guests(control)) {
    for (const auto& record : *guests) {
      if (record.value("id", "") == uuid) return record;
    }
  }
  return nullptr;
}

// The status in a record of hostd_record ("" for none).
std::string status_in(const nlohmann::json& record) {
  return record.is_object() ? record.value("status", "") : "";
}

// Polls hostd until done(record) holds; fails with the last record and hostd's log tail.
nlohmann::json wait_for_record(const fs::path& control, const std::string& uuid,
                               const fs::path& hostd_log, const std::string& what,
                               const std::function<bool(const nlohmann::json&)>& done) {
  nlohmann::json record;
  for (auto deadline = std::chrono::steady_clock::now() + 3min;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(250ms)) {
    record = hostd_record(control, uuid);
    if (!record.is_null() && done(record)) return record;
  }
  FAIL("hostd never reported " << what << "; last record: " << record.dump() << "\nhostd log:\n"
                               << file_tail(hostd_log, 4000));
  return record;
}

}  // namespace

TEST_CASE("a guest powered off mid-transfer and reset mid-apply ends consistent and told truly",
          "[vm]") {
  GuestdTestKit& kit = GuestdTestKit::get();
  const TestKernel& running = kit.newest();
  testing::TempDir dir;
  const fs::path disk = dir / "state.img";
  REQUIRE(
      testing::run_process({"mke2fs", "-q", "-t", "ext4", "-F", disk.string(), "16M"}).exit_code ==
      0);
  auto options_for = [&](const char* name) {
    QemuGuestOptions options(running.image, dir / name);
    options.extra_qemu_args = {"-drive", "file=" + disk.string() + ",format=raw,if=virtio"};
    return options;
  };

  const std::string id = "hs-vm-reset";
  const std::string bundle = kit.bundle(id, running.module, running.identity);
  auto repository = bench::publish_bundle(dir / "publisher", kit.key(), bundle);
  REQUIRE(repository);
  const std::string uuid = bench::sim_guest_uuid(0);
  const fs::path sockets = dir / "sockets";
  fs::create_directories(sockets);
  const fs::path channel = sockets / (uuid + ".sock");
  const fs::path hostd_dir = dir / "hostd";
  const fs::path hostd_log = dir / "hostd.log";
  const fs::path control = hostd_dir / "hostd.sock";
  // Generous session timeouts for TCG; a retry every second once the guest is back.
  auto config = fault::write_sim_hostd_config(
      hostd_dir, *repository,
      {{"timeouts", {{"handshake_seconds", 30}, {"io_seconds", 30}, {"recheck_seconds", 10}}}});

  // Boot 1: powered off in the middle of the transfer. The relay passes hostd's first
  // `hold_after` bytes to the guest (sync, hello, offer and about half of the bundle's
  // chunks), then freezes; the guest holds part of the bundle when its power goes.
  std::optional<bench::ChildProcess> hostd;
  {
    QemuGuest guest = require_ok(QemuGuest::start(options_for("boot1")));
    const std::size_t hold_after = bundle.size() / 2;
    CuttingRelay relay(channel, guest.agent_socket(), Direction::host_to_guest,
                       CuttingRelay::HoldAfterBytes{hold_after});
    hostd.emplace(fault::start_hostd_sim(config, sockets, hostd_log));
    for (int i = 0; i < 1200 && !relay.cut_done(); ++i) std::this_thread::sleep_for(100ms);
    INFO("hostd log:\n" << file_tail(hostd_log, 4000));
    REQUIRE(relay.cut_done());
    // What the agent holds of the bundle when the power goes (for the record; a transfer
    // is resumed from what was made durable, or started again).
    std::string staged =
        guest_output(guest.shell(), "sync; find /var/lib/hotsplice -type f | xargs ls -l");
    std::cout << "guest reset test: bundle " << bundle.size() << " bytes, frozen after "
              << hold_after << " bytes to the guest; the guest held:\n"
              << staged;
    // Mid-transfer indeed: part of the bundle staged, nothing stored as applied.
    CHECK(staged.find(".partial") != std::string::npos);
    CHECK(guest_output(guest.shell(), "ls /var/lib/hotsplice/applied") == "");
    CHECK(status_in(hostd_record(control, uuid)) != "patched");
    guest.stop();  // power off
  }

  // Boot 2: reset right after finit_module, mid-transition. The power cut above was no crash:
  // nothing to block and nothing applied. A second virtual CPU spins on the livepatch's
  // sysfs files while the agent's finit_module runs on the first; a task running on another
  // CPU keeps the transition open (the kernel retries it every second), and the watcher
  // resets the guest (sysrq b: no sync, no shutdown) as soon as the patch is enabled.
  {
    QemuGuestOptions options = options_for("boot2");
    options.cpus = 2;
    QemuGuest guest = require_ok(QemuGuest::start(options));
    {
      AgentClient agent = require_ok(AgentClient::connect(guest.agent_socket()));
      CHECK(agent.hello().applied_patches.empty());
      CHECK(agent.hello().crash_records.empty());
    }
    CHECK(guest_output(guest.shell(), "ls /sys/kernel/livepatch") == "");
    require_ok(guest.shell().check_output(
        "M=" + kLivepatchDir +
        "; (until read e 2>/dev/null <$M/enabled && [ \"$e\" = 1 ]; do :; done; "
        "read t <$M/transition; echo \"<2>" +
        kResetMarker +
        " enabled=$e transition=$t\" >/dev/kmsg; echo b >/proc/sysrq-trigger) "
        ">/dev/null 2>&1 </dev/null &"));
    CuttingRelay relay(channel, guest.agent_socket(), Direction::host_to_guest, -1);
    auto exited = guest.wait_for_exit(Deadline::after(5min));
    auto console_text = read_file(guest.console_log(), 16 << 20);
    std::string console = console_text ? *console_text : std::string();
    INFO("hostd log:\n" << file_tail(hostd_log, 4000));
    INFO("console:\n" << console.substr(console.size() > 6000 ? console.size() - 6000 : 0));
    REQUIRE(exited);
    auto marker = console.find(kResetMarker);
    REQUIRE(marker != std::string::npos);
    // hostd lost the apply's answer with the guest: it never took the patch for live.
    CHECK(status_in(hostd_record(control, uuid)) != "patched");
    std::cout << "guest reset test: reset at "
              << console.substr(marker, console.find('\n', marker) - marker) << "\n";
  }

  // Boot 3: the attempt record made before finit_module is from an earlier boot. A reset
  // between the load and the end of the settle time cannot be told from a crash the patch
  // caused (the kernel left no word either way), so crashed_last_time is the truthful
  // answer: the bundle is not re-applied, and reported until an operator decides.
  {
    QemuGuestOptions options = options_for("boot3");
    options.extra_kernel_args = "hotsplice.settle=1";
    QemuGuest guest = require_ok(QemuGuest::start(options));
    GuestShell& shell = guest.shell();
    wait_in_guest(shell, "grep -q 'stored bundles applied' /tmp/hotsplice-guestd.log");
    std::string log = guest_output(shell, "cat /tmp/hotsplice-guestd.log");
    INFO(log);
    CHECK(log.find("stored bundle " + id + " not re-applied: crashed_last_time") !=
          std::string::npos);
    CHECK(guest_output(shell, "ls /sys/kernel/livepatch") == "");
    CHECK(guest_output(shell, "cat /proc/cmdline") != kPatchedCmdline);
    // Taken out of the boot-time set (core/apply's apply_stored): only the record stays.
    CHECK(guest_output(shell, "ls /var/lib/hotsplice/applied") == "");
    {
      AgentClient agent = require_ok(AgentClient::connect(guest.agent_socket()));
      CHECK(agent.hello().applied_patches.empty());
      REQUIRE(agent.hello().crash_records.size() == 1);
      CHECK(agent.hello().crash_records[0].bundle_id == id);
      CHECK(agent.hello().crash_records[0].code == "crashed_last_time");
    }

    CuttingRelay relay(channel, guest.agent_socket(), Direction::host_to_guest, -1);
    auto failed = wait_for_record(control, uuid, hostd_log, "failed, crashed_last_time",
                                  [](const nlohmann::json& record) {
                                    REQUIRE(status_in(record) != "patched");
                                    return status_in(record) == "failed";
                                  });
    INFO(failed.dump(1));
    CHECK_THAT(failed.value("reason", ""), Catch::Contains("crashed_last_time"));
    CHECK(failed["applied"].empty());
    // hostd never applies it on its own: nothing reached the agent, the kernel is unpatched.
    std::this_thread::sleep_for(3s);
    CHECK(guest_output(shell, "grep -c 'bundle " + id +
                                  " \\(not \\)\\?applied' /tmp/hotsplice-guestd.log || true") ==
          "0\n");
    CHECK(guest_output(shell, "ls /sys/kernel/livepatch") == "");

    // The operator's apply through hostd clears the record and patches the kernel.
    fault::request_apply(control, uuid);
    wait_for_record(control, uuid, hostd_log, "patched",
                    [](const nlohmann::json& record) { return status_in(record) == "patched"; });
    CHECK(guest_output(shell, "cat /proc/cmdline") == kPatchedCmdline);
    CHECK(guest_output(shell, "cat " + kLivepatchDir + "/enabled") == "1\n");
    wait_in_guest(shell, "grep -q 'bundle " + id + " settled' /tmp/hotsplice-guestd.log");
    CHECK(hostd->stop(SIGTERM) == 0);
    fault::check_database(hostd_dir / "hostd.db", id, {{uuid, true}});
  }
}

}  // namespace hotsplice::vm
