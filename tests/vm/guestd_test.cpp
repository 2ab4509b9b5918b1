// Issue 5's acceptance tests: hotsplice-guestd (the static binary) runs in real QEMU guests,
// started at boot by its init.d hook, and the test is the host, speaking the protocol over
// the runner's socket for org.hotsplice.agent.0. One guest serves all the checks of the
// first test case in sequence (each leaves the kernel as the next expects), to keep the
// vm label fast.
#include <poll.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>

#include <random>
#include <thread>

#include "core/base/file_io.h"
#include "core/livepatch/livepatch_state.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"
#include "tests/vm/guestd_host_client.h"
#include "tests/vm/guestd_test_kit.h"
#include "tests/vm/harness/qemu_guest.h"
#include "tests/vm/harness/unix_stream.h"
#include "tests/vm/require_ok.h"

using namespace hotsplice;
using namespace hotsplice::vm;
using namespace hotsplice::protocol;
using namespace std::chrono_literals;

namespace {

const std::string kSysfs = std::string("/sys/kernel/livepatch/") + kCmdlineModule;

std::string guest_output(GuestShell& shell, const std::string& script) {
  return require_ok(shell.check_output(script));
}

// The kernel as a refused apply must leave it: no livepatch, module not loaded, the
// original /proc/cmdline.
void require_kernel_unpatched(GuestShell& shell, const std::string& original_cmdline) {
  CHECK(guest_output(shell, "ls /sys/kernel/livepatch") == "");
  CHECK(require_ok(shell.run(std::string("grep -q '^") + kCmdlineModule + " ' /proc/modules"))
            .exit_code == 1);
  CHECK(guest_output(shell, "cat /proc/cmdline") == original_cmdline);
}

long agent_rss_kib(GuestShell& shell) {
  std::string rss =
      guest_output(shell, "awk '/VmRSS/ {print $2}' /proc/$(pidof hotsplice-guestd)/status");
  return std::stol(rss);
}

long agent_cpu_ticks(GuestShell& shell) {
  return std::stol(
      guest_output(shell, "awk '{print $14 + $15}' /proc/$(pidof hotsplice-guestd)/stat"));
}

std::string agent_log(GuestShell& shell) {
  return guest_output(shell, "cat /tmp/hotsplice-guestd.log");
}

Result require_refused(AgentClient& agent, GuestShell& shell, const std::string& original,
                       const std::string& id, const std::string& bundle, const std::string& code) {
  INFO("bundle " << id << ", expecting " << code);
  require_ok(agent.send_bundle(id, bundle));
  Result result = require_ok(agent.apply(id));
  INFO(result.message);
  CHECK_FALSE(result.ok);
  CHECK(result.code == code);
  require_kernel_unpatched(shell, original);
  return result;
}

// Waits inside the guest, bounded, for a shell condition.
void wait_in_guest(GuestShell& shell, const std::string& condition) {
  require_ok(shell.check_output("i=0; until " + condition +
                                "; do i=$((i+1)); [ $i -gt 300 ] && exit 1; usleep 50000; done"));
}

// QEMU's monitor socket: commands, and the events that arrive between their answers (kept,
// so that a test can wait for one that came before it asked).
class Qmp {
 public:
  explicit Qmp(UnixStream stream) : stream_(std::move(stream)) {}

  void command(const std::string& command) {
    auto deadline = Deadline::after(20s);
    require_ok(stream_.write_all(command + "\n", deadline));
    for (;;) {
      std::string line = require_ok(stream_.read_line(deadline, 64 * 1024));
      if (line.find("\"return\"") != std::string::npos) return;
      if (line.find("\"error\"") != std::string::npos) FAIL("QMP " << command << ": " << line);
      if (line.find("\"event\"") != std::string::npos) events_.push_back(line);
    }
  }

  // Waits (at most timeout) for an event named `name` whose line also contains `needle`.
  void wait_for_event(const std::string& name, const std::string& needle,
                      std::chrono::seconds timeout) {
    auto matches = [&](const std::string& line) {
      return line.find("\"" + name + "\"") != std::string::npos &&
             line.find(needle) != std::string::npos;
    };
    for (const auto& line : events_) {
      if (matches(line)) return;
    }
    auto deadline = Deadline::after(timeout);
    for (;;) {
      auto line = stream_.read_line(deadline, 64 * 1024);
      if (!line)
        FAIL("no QMP event " << name << " with " << needle << ": " << line.error().message());
      if (matches(*line)) return;
    }
  }

 private:
  UnixStream stream_;
  std::vector<std::string> events_;
};

void reconnect(AgentClient& agent, const QemuGuest& guest) {
  agent.disconnect();
  agent = require_ok(AgentClient::connect(guest.agent_socket()));
}

}  // namespace

TEST_CASE("guestd: refusals, a cut transfer resumed, apply, reconnects, garbage, rollback",
          "[vm]") {
  const GuestdTestKit& kit = GuestdTestKit::get();
  const TestKernel& running = kit.newest();
  const TestKernel& other = kit.older();
  testing::TempDir dir;
  QemuGuest guest = require_ok(QemuGuest::start(QemuGuestOptions(running.image, dir / "g")));
  GuestShell& shell = guest.shell();
  const std::string original = guest_output(shell, "cat /proc/cmdline");

  // With no host connected the port reports hang-up at once, again and again: the agent
  // must sleep through it, not spin (CPU ticks of user + system time, not wall time).
  require_ok(
      shell.check_output("i=0; until grep -q 'port .* open' /tmp/hotsplice-guestd.log; do "
                         "i=$((i+1)); [ $i -gt 200 ] && exit 1; usleep 50000; done"));
  long ticks_before = agent_cpu_ticks(shell);
  std::this_thread::sleep_for(2s);
  CHECK(agent_cpu_ticks(shell) - ticks_before <= 5);

  AgentClient agent = require_ok(AgentClient::connect(guest.agent_socket()));
  const Hello& hello = agent.hello();
  CHECK(hello.role == Role::guest);
  CHECK(hello.kernel == running.identity);
  CHECK(hello.environment.kind == Environment::Kind::vm);
  CHECK(hello.applied_patches.empty());

  // Refusals, each with the kernel left as it was.
  require_refused(agent, shell, original, "other-kernel",
                  kit.bundle("other-kernel", other.module, other.identity), "wrong_kernel");
  {
    std::string tampered = kit.bundle("tampered", running.module, running.identity);
    tampered[tampered.size() - 100] ^= 0x01;  // inside the module, after signing
    require_refused(agent, shell, original, "tampered", tampered, "module_sha256_mismatch");
  }
  {
    BundleParts parts = kit.bundle_parts("bad-signature", running.module, running.identity);
    auto at = parts.manifest.find("VM test");
    REQUIRE(at != std::string::npos);
    parts.manifest[at] = 'X';  // the signed bytes changed: the signature no longer matches
    require_refused(agent, shell, original, "bad-signature", encode_bundle(parts), "bad_signature");
  }
  // Built against the other kernel but claiming this one: every check of ours passes and
  // the kernel itself refuses it (vermagic/symbol versions).
  Result refused = require_refused(agent, shell, original, "kernel-refuses",
                                   kit.bundle("kernel-refuses", other.module, running.identity),
                                   "module_rejected");
  // The errno alone says little; the kernel's own words come along.
  CHECK(refused.message.find("kernel: ") != std::string::npos);

  // A transfer cut in the middle, then resumed on a new connection.
  const std::string id = "hs-vm-cmdline";
  const std::string bundle = kit.bundle(id, running.module, running.identity);
  REQUIRE(bundle.size() > 3 * 4096);
  require_ok(agent.send_bundle(id, bundle, bundle.size() / 2));
  reconnect(agent, guest);
  std::uint64_t resumed_from = require_ok(agent.send_bundle(id, bundle));
  CHECK(resumed_from > 0);
  CHECK(resumed_from <= bundle.size() / 2);

  // Applied: /proc/cmdline changes, and the report matches /sys/kernel/livepatch.
  Result applied = require_ok(agent.apply(id));
  INFO(applied.message);
  REQUIRE(applied.ok);
  CHECK(guest_output(shell, "cat /proc/cmdline") == kPatchedCmdline);
  REQUIRE(applied.state);
  CHECK((*applied.state)["name"] == kCmdlineModule);
  CHECK((*applied.state)["bundle_id"] == id);
  CHECK(((*applied.state)["enabled"] ? "1\n" : "0\n") ==
        guest_output(shell, "cat " + kSysfs + "/enabled"));
  CHECK(((*applied.state)["transition"] ? "1\n" : "0\n") ==
        guest_output(shell, "cat " + kSysfs + "/transition"));
  CHECK(guest_output(shell, "ls " + kSysfs).find("vmlinux") != std::string::npos);
  Inventory after = require_ok(agent.inventory());
  REQUIRE(after.applied_patches.size() == 1);
  CHECK(after.applied_patches[0] == AppliedPatch{id, kCmdlineModule, true, false});

  // Ten disconnects and reconnects in the middle of a session; memory stays put.
  long rss_before = agent_rss_kib(shell);
  for (int i = 0; i < 10; ++i) {
    reconnect(agent, guest);
    CHECK(agent.hello().applied_patches.size() == 1);
    CHECK(require_ok(agent.inventory()).applied_patches.size() == 1);
    // Leave mid-offer of a bundle, half a frame written.
    require_ok(agent.send_bundle(
        "left-halfway", kit.bundle("left-halfway", running.module, running.identity), 4096));
    REQUIRE(::write(agent.fd(), "\0\x05partial", 9) == 9);
  }
  long rss_after = agent_rss_kib(shell);
  INFO("agent VmRSS " << rss_before << " KiB before, " << rss_after << " KiB after");
  CHECK(rss_after <= rss_before + 64);  // page-granular noise, not growth per session

  // Garbage is answered with errors, and the next valid session works.
  reconnect(agent, guest);
  std::mt19937 random(5);
  std::string garbage(8192, '\0');
  for (char& byte : garbage) byte = static_cast<char>(random());
  require_ok(agent.raw().send(Heartbeat{Correlation::request(1), 0}, 5s));  // warm path
  REQUIRE(::write(agent.fd(), garbage.data(), garbage.size()) ==
          static_cast<ssize_t>(garbage.size()));
  int errors = 0;
  while (errors < 1) {
    auto incoming = require_ok(agent.raw().receive(10s));
    if (incoming.message && std::holds_alternative<ErrorMessage>(*incoming.message)) ++errors;
  }
  reconnect(agent, guest);
  CHECK(agent.hello().applied_patches.size() == 1);

  // Rollback restores the original.
  Result rolled_back = require_ok(agent.rollback(id));
  INFO(rolled_back.message);
  CHECK(rolled_back.ok);
  require_kernel_unpatched(shell, original);
  CHECK(require_ok(agent.inventory()).applied_patches.empty());
  CHECK(guest_output(shell, "ls /var/lib/hotsplice/applied") == "");

  // An apply whose host disconnects before the result: the agent finishes it on its own,
  // and the next host finds it complete.
  require_ok(agent.send_bundle(id, bundle));
  require_ok(agent.raw().send(Apply{1000, id}, 5s));  // no session: nobody waits for it
  reconnect(agent, guest);
  wait_in_guest(shell, "[ $(grep -c 'bundle " + id + " applied' /tmp/hotsplice-guestd.log) = 2 ]");
  Inventory after_cut = require_ok(agent.inventory());
  REQUIRE(after_cut.applied_patches.size() == 1);
  CHECK(after_cut.applied_patches[0] == AppliedPatch{id, kCmdlineModule, true, false});
  CHECK(guest_output(shell, "cat /proc/cmdline") == kPatchedCmdline);
  CHECK(require_ok(agent.rollback(id)).ok);
  require_kernel_unpatched(shell, original);

  // The agent never spun: well under a second of CPU for everything above, under TCG.
  INFO(agent_log(shell));
  CHECK(agent_cpu_ticks(shell) < 500);

  // Last, on the same guest (it costs the agent CPU): the channel case of
  // shared/field-cases/channel. Host A synchronises, writes 1 MiB in which every "01 00"
  // pair is a frame answered by an error, reads nothing, and dies after about 8 s. Host B
  // must then be answered within seconds (it used to wait 105-113 s: the agent stopped
  // reading once 256 KiB of replies were queued, so QEMU never passed on A's end of file).
  agent.disconnect();
  AgentClient flooder = require_ok(AgentClient::connect(guest.agent_socket()));
  std::string flood;
  for (int i = 0; i < 512 * 1024; ++i) flood += std::string("\x01\x00", 2);
  const auto flood_started = std::chrono::steady_clock::now();
  const auto killed_at = flood_started + 8s;
  std::string_view unwritten = flood;
  while (!unwritten.empty() && std::chrono::steady_clock::now() < killed_at) {
    pollfd descriptor{flooder.fd(), POLLOUT, 0};
    if (::poll(&descriptor, 1, 100) <= 0) continue;
    ssize_t written =
        ::send(flooder.fd(), unwritten.data(), unwritten.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (written > 0) unwritten.remove_prefix(static_cast<std::size_t>(written));
  }
  std::this_thread::sleep_until(killed_at);
  INFO("host A wrote " << flood.size() - unwritten.size() << " of " << flood.size() << " bytes");
  flooder.disconnect();  // its socket closes, as when the process is killed

  const auto second_started = std::chrono::steady_clock::now();
  AgentClient second = require_ok(AgentClient::connect(guest.agent_socket(), 120s));
  const auto answered_after = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - second_started);
  INFO("host B answered (sync_ack and hello) " << answered_after.count() << " ms after A died");
  INFO(agent_log(shell));
  // A correctness bound, not a benchmark (timings go to bench/).
  CHECK(answered_after < 15s);
  CHECK(second.hello().kernel == running.identity);
  CHECK(agent_log(shell).find("the host is not reading: dropping replies") != std::string::npos);
}

TEST_CASE("guestd: inside a container on the guest's kernel it reports so and applies nothing",
          "[vm]") {
  const GuestdTestKit& kit = GuestdTestKit::get();
  testing::TempDir dir;
  QemuGuest guest = require_ok(QemuGuest::start(QemuGuestOptions(kit.newest().image, dir / "g")));
  // A stored bundle for this very kernel, which an agent in the VM itself would apply.
  const std::string id = "hs-vm-container";
  require_ok(guest.shell().check_output("mkdir -p /tmp/ct/applied"));
  require_ok(guest.shell().write_file("/tmp/ct/applied/" + id + ".hsb",
                                      kit.bundle(id, kit.newest().module, kit.newest().identity)));
  // A PID namespace whose PID 1 carries container=lxc, as LXC sets it up.
  std::string out =
      guest_output(guest.shell(),
                   "unshare -p -f -m --mount-proc env container=lxc "
                   "/usr/sbin/hotsplice-guestd --apply-stored --state-dir /tmp/ct 2>&1");
  INFO(out);
  CHECK(out.find("running in a container (lxc)") != std::string::npos);
  CHECK(out.find("shared-kernel container") != std::string::npos);
  CHECK(guest_output(guest.shell(), "ls /sys/kernel/livepatch") == "");
}

TEST_CASE("guestd: a stored patch is live again after a reboot, before any host contact", "[vm]") {
  const GuestdTestKit& kit = GuestdTestKit::get();
  const TestKernel& running = kit.newest();
  testing::TempDir dir;
  auto disk = make_state_disk(dir / "state.img");
  auto options_for = [&](const TestKernel& kernel, const char* name) {
    QemuGuestOptions options(kernel.image, dir / name);
    options.extra_qemu_args = state_disk_arguments(disk);
    // A 1 s settle time: the power cut below comes after the crash-loop guard cleared the
    // attempt record, so this reboot is not taken for a crash.
    options.extra_kernel_args = "hotsplice.settle=1";
    return options;
  };
  const std::string id = "hs-vm-persist";
  {
    QemuGuest guest = require_ok(QemuGuest::start(options_for(running, "first")));
    AgentClient agent = require_ok(AgentClient::connect(guest.agent_socket()));
    require_ok(agent.send_bundle(id, kit.bundle(id, running.module, running.identity)));
    Result applied = require_ok(agent.apply(id));
    INFO(applied.message);
    REQUIRE(applied.ok);
    CHECK(guest_output(guest.shell(), "cat /proc/cmdline") == kPatchedCmdline);
    wait_in_guest(guest.shell(), "grep -q 'bundle " + id + " settled' /tmp/hotsplice-guestd.log");
    guest.stop();  // power cut: only what the agent made durable survives
  }
  {
    QemuGuest guest = require_ok(QemuGuest::start(options_for(running, "second")));
    // No connection to the agent socket yet: the patch comes back from the disk alone.
    wait_in_guest(guest.shell(), "grep -q 'stored bundles applied' /tmp/hotsplice-guestd.log");
    INFO(agent_log(guest.shell()));
    CHECK(guest_output(guest.shell(), "cat /proc/cmdline") == kPatchedCmdline);
    CHECK(guest_output(guest.shell(), "cat " + kSysfs + "/enabled") == "1\n");
    AgentClient agent = require_ok(AgentClient::connect(guest.agent_socket()));
    const Hello& hello = agent.hello();
    REQUIRE(hello.applied_patches.size() == 1);
    CHECK(hello.applied_patches[0].id == id);
    // The re-application at boot is an attempt of its own: a power cut before it settled
    // would be taken for a crash (crashed_last_time), so wait for it as above.
    wait_in_guest(guest.shell(), "grep -q 'bundle " + id + " settled' /tmp/hotsplice-guestd.log");
  }
  {
    // The same disk under the other kernel: the bundle is skipped with a log line, kept.
    QemuGuest guest = require_ok(QemuGuest::start(options_for(kit.older(), "other")));
    wait_in_guest(guest.shell(), "grep -q 'stored bundles applied' /tmp/hotsplice-guestd.log");
    std::string log = agent_log(guest.shell());
    INFO(log);
    CHECK(log.find("stored bundle " + id + " skipped: wrong_kernel") != std::string::npos);
    CHECK(guest_output(guest.shell(), "ls /sys/kernel/livepatch") == "");
    CHECK(guest_output(guest.shell(), "ls /var/lib/hotsplice/applied") == id + ".hsb\n");
  }
}

TEST_CASE("guestd: a bundle that panicked the kernel is not re-applied at the next boot", "[vm]") {
  GuestdTestKit& kit = GuestdTestKit::get();
  const TestKernel& running = kit.newest();
  testing::TempDir dir;
  auto disk = make_state_disk(dir / "state.img");
  auto options_for = [&](const char* name) {
    QemuGuestOptions options(running.image, dir / name);
    options.extra_qemu_args = state_disk_arguments(disk);
    return options;  // the default settle time (60 s): the panic comes well within it
  };
  const std::string id = "hs-vm-panic";
  std::string original_version;
  {
    QemuGuest guest = require_ok(QemuGuest::start(options_for("first")));
    original_version = guest_output(guest.shell(), "cat /proc/version");
    AgentClient agent = require_ok(AgentClient::connect(guest.agent_socket()));
    require_ok(agent.send_bundle(id, kit.panic_bundle(id, running)));
    Result applied = require_ok(agent.apply(id));
    INFO(applied.message);
    REQUIRE(applied.ok);
    CHECK(guest_output(guest.shell(), std::string("cat /sys/kernel/livepatch/") + kPanicModule +
                                          "/enabled") == "1\n");
    // The bad patch's function runs: the kernel panics (-no-reboot: QEMU exits).
    panic_through_test_patch(guest);
  }
  {
    QemuGuest guest = require_ok(QemuGuest::start(options_for("second")));
    wait_in_guest(guest.shell(), "grep -q 'stored bundles applied' /tmp/hotsplice-guestd.log");
    std::string log = agent_log(guest.shell());
    INFO(log);
    CHECK(log.find("stored bundle " + id + " not re-applied: crashed_last_time") !=
          std::string::npos);
    // The kernel runs unpatched: no livepatch, and the replaced function is the original.
    CHECK(guest_output(guest.shell(), "ls /sys/kernel/livepatch") == "");
    CHECK(guest_output(guest.shell(), "cat /proc/version") == original_version);
    // ... and the agent says why, with the bundle id, to the host.
    AgentClient agent = require_ok(AgentClient::connect(guest.agent_socket()));
    const Hello& hello = agent.hello();
    CHECK(hello.applied_patches.empty());
    REQUIRE(hello.crash_records.size() == 1);
    CHECK(hello.crash_records[0].bundle_id == id);
    CHECK(hello.crash_records[0].code == "crashed_last_time");
    // An operator clears it in the guest; the next host sees no record.
    agent.disconnect();
    require_ok(guest.shell().check_output("/usr/sbin/hotsplice-guestd --clear-crash " + id +
                                          " --state-dir /var/lib/hotsplice"));
    agent = require_ok(AgentClient::connect(guest.agent_socket()));
    CHECK(agent.hello().crash_records.empty());
  }
}

TEST_CASE("guestd: a port hot-plugged after the agent started is found and served", "[vm]") {
  const GuestdTestKit& kit = GuestdTestKit::get();
  testing::TempDir dir;
  QemuGuestOptions options(kit.newest().image, dir / "g");
  const auto monitor_path = dir / "qmp.sock";
  options.extra_qemu_args = {"-qmp", "unix:" + monitor_path.string() + ",server=on,wait=off"};
  QemuGuest guest = require_ok(QemuGuest::start(options));
  GuestShell& shell = guest.shell();

  // A second agent for a port that does not exist yet.
  require_ok(shell.check_output(
      "(/usr/sbin/hotsplice-guestd --port org.hotsplice.hotplug.0 --state-dir /tmp/hp "
      "2>/tmp/hp.log &) ; true"));
  wait_in_guest(shell, "grep -q 'waiting for port' /tmp/hp.log");

  UnixStream stream = require_ok(UnixStream::connect(monitor_path, Deadline::after(20s)));
  require_ok(stream.read_line(Deadline::after(20s), 64 * 1024));  // greeting
  Qmp monitor(std::move(stream));
  monitor.command(R"({"execute":"qmp_capabilities"})");
  const auto port_socket = dir / "hp.sock";
  monitor.command(R"({"execute":"chardev-add","arguments":{"id":"hp","backend":{"type":"socket",)"
                  R"("data":{"addr":{"type":"unix","data":{"path":")" +
                  port_socket.string() + R"("}},"server":true,"wait":false}}}})");

  const std::string add_port =
      R"({"execute":"device_add","arguments":{"driver":"virtserialport",)"
      R"("bus":"serial0.0","chardev":"hp","name":"org.hotsplice.hotplug.0","id":"hp0"}})";
  monitor.command(add_port);

  AgentClient agent = require_ok(AgentClient::connect(port_socket));
  CHECK(agent.hello().kernel == kit.newest().identity);

  // Unplugged while open, plugged in again: the agent lets the dead port go and finds the
  // new one.
  agent.disconnect();
  monitor.command(R"({"execute":"device_del","arguments":{"id":"hp0"}})");
  auto gone = require_ok(shell.run(
      "i=0; until grep -q 'went away' /tmp/hp.log; do i=$((i+1)); [ $i -gt 100 ] && exit 1; "
      "usleep 50000; done"));
  INFO(guest_output(shell, "cat /tmp/hp.log; ls -l /sys/class/virtio-ports/ /dev/vport*"));
  REQUIRE(gone.exit_code == 0);
  // device_del only asks the guest to let go; the chardev is free for a new port once QEMU
  // reports the device deleted (later than the guest's log line on a loaded host).
  monitor.wait_for_event("DEVICE_DELETED", "\"hp0\"", 60s);
  monitor.command(add_port);
  agent = require_ok(AgentClient::connect(port_socket));
  CHECK(agent.hello().kernel == kit.newest().identity);
  INFO(guest_output(shell, "cat /tmp/hp.log"));
  CHECK(guest_output(shell, "grep -c 'port .* open' /tmp/hp.log") == "2\n");
}
