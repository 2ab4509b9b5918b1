// Issue 11's shared-kernel acceptance test: a QEMU guest plays the node. Inside it the test
// starts containers as Linux namespaces (busybox `unshare` with their own PID, mount and UTS
// namespaces and hostnames, and the `container=` variable every runtime gives its init),
// runs the real hotsplice-hostd with a local repository holding a signed bundle for the
// guest's kernel, and checks from inside each container what its kernel does — never only
// hostd's own account. No libvirtd runs in the node: the VM path keeps retrying while the
// host-kernel and container paths work.
#include <catch2/catch.hpp>

#include <chrono>
#include <iostream>
#include <optional>
#include <thread>

#include "core/base/file_io.h"
#include "core/base/json_reader.h"
#include "core/base/subprocess.h"
#include "tests/support/temp_dir.h"
#include "tests/vm/guestd_test_kit.h"
#include "tests/vm/harness/qemu_guest.h"
#include "tests/vm/node_guest_image.h"
#include "tests/vm/require_ok.h"

namespace hotsplice::vm {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr auto kBoot = 3min;    // a TCG guest with a 120 MiB initramfs on a loaded machine
constexpr auto kPatch = 3min;   // hostd start -> the bundle live on the node
constexpr auto kRescan = 1min;  // a new container -> listed (rescan every second here)

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The node's image, built once per test process: every case boots it.
const GuestImage& node_image() {
  static testing::TempDir work;
  static const GuestImage image = [] {
    auto public_key = work.write("test.pub", GuestdTestKit::get().key().public_key().to_pem());
    return require_ok(
        build_node_guest_image(GuestdTestKit::get().newest().release, public_key, work.path()));
  }();
  return image;
}

// One boot of the node guest, shared by every step of a test. extra_qemu_args: e.g. a state
// disk (state_disk_arguments) that outlives the boot.
class Node {
 public:
  explicit Node(std::vector<std::string> extra_qemu_args = {}) {
    QemuGuestOptions options(node_image(), work_.path() / "vm");
    options.memory_mib = 1024;  // the initramfs alone is ~120 MiB, hostd runs sanitized
    options.boot_timeout = std::chrono::duration_cast<std::chrono::seconds>(kBoot);
    options.extra_qemu_args = std::move(extra_qemu_args);
    guest_.emplace(require_ok(QemuGuest::start(options)));
  }

  const fs::path& work() const { return work_.path(); }
  QemuGuest& guest() { return *guest_; }
  GuestShell& shell() { return guest_->shell(); }
  std::string run(const std::string& script) {
    return require_ok(shell().check_output(script, 60s));
  }

  // Starts a container: its own PID, mount and UTS namespaces, hostname name, and an init
  // (`sleep`) marked by tag so the test can find its PID in the node's namespace.
  std::string start_container(const std::string& name, int tag) {
    std::string mark = "sleep " + std::to_string(1000000 + tag);
    run("env container=hotsplice-test unshare -p -m -u -f --mount-proc sh -c 'hostname " + name +
        "; exec " + mark + "' </dev/null >/dev/null 2>&1 &");
    // busybox has no pgrep here: the init is the process whose command line is exactly mark.
    std::string pid =
        run("for i in $(seq 50); do for d in /proc/[0-9]*; do "
            "[ \"$(tr '\\0' ' ' < $d/cmdline 2>/dev/null)\" = '" +
            mark +
            " ' ] && { echo ${d#/proc/}; exit 0; }; done; usleep 100000; done; "
            "exit 1");
    while (!pid.empty() && pid.back() == '\n') pid.pop_back();
    REQUIRE_FALSE(pid.empty());
    return pid;
  }
  // Runs script inside the container whose init is pid (its PID, mount and UTS namespaces).
  std::string in_container(const std::string& pid, const std::string& script) {
    return run("nsenter -t " + pid + " -p -m -u sh -c '" + script + "'");
  }
  // The record id hostd gives the container: its PID namespace ("ct:pid:[N]").
  std::string record_id(const std::string& pid) {
    std::string link = run("readlink /proc/" + pid + "/ns/pid");
    while (!link.empty() && link.back() == '\n') link.pop_back();
    return "ct:" + link;
  }

  // `hotsplice guests --json` run in the node: the array of coverage records.
  Json guests() {
    auto result = shell().run(node_program_environment() + kNodeCli + " guests --json", 30s);
    if (!result || result->exit_code != 0) return Json::array();
    auto parsed = parse_json(result->out, "hotsplice guests --json");
    // The CLI prints the API's document: {"generated": ..., "guests": [records]}.
    if (!parsed || !parsed->is_object() || !parsed->contains("guests")) return Json::array();
    return (*parsed)["guests"];
  }
  static std::optional<Json> record(const Json& guests, const std::string& id) {
    for (const auto& r : guests) {
      if (r.value("id", "") == id) return r;
    }
    return std::nullopt;
  }
  // Polls until every id has status; fails with the last answer and hostd's log otherwise.
  Json wait_for(const std::vector<std::string>& ids, const std::string& status,
                std::chrono::seconds limit) {
    auto deadline = Clock::now() + limit;
    Json last;
    while (true) {
      last = guests();
      bool all = true;
      for (const auto& id : ids) {
        auto r = record(last, id);
        all = all && r && r->value("status", "") == status;
      }
      if (all) return last;
      if (Clock::now() > deadline) {
        FAIL("timed out waiting for " << ids.size() << " records to be " << status
                                      << "; last answer: " << last.dump(1) << "\nhostd log:\n"
                                      << run("tail -c 8000 /tmp/hostd.log"));
      }
      std::this_thread::sleep_for(500ms);
    }
  }

 private:
  testing::TempDir work_;
  std::optional<QemuGuest> guest_;
};

// A repository directory holding the bundle, signed as an operator would (`hotsplice repo
// add`), copied into the node at /srv/repo.
void publish_into(Node& node, const std::string& bundle_bytes, const std::string& id,
                  const Ed25519PrivateKey& key) {
  fs::path repo = node.work() / "repo";
  fs::path bundle = node.work() / (id + ".hsb");
  fs::path key_file = node.work() / "signing.key";
  require_ok(write_file_atomically(bundle, bundle_bytes));
  require_ok(write_file_atomically(key_file, key.to_pem(), 0600));
  require_ok(
      run_checked(SubprocessSpec({HOTSPLICE_CLI_BINARY, "repo", "add", "--repo", repo.string(),
                                  "--key", key_file.string(), bundle.string()})));
  for (const auto& entry : fs::recursive_directory_iterator(repo)) {
    if (!entry.is_regular_file()) continue;
    std::string guest_path = "/srv/repo/" + fs::relative(entry.path(), repo).string();
    node.run("mkdir -p " + fs::path(guest_path).parent_path().string());
    require_ok(node.shell().write_file(guest_path, require_ok(read_file(entry.path(), 64 << 20))));
  }
}

// /dev/vda as hostd's state directory (database, host/ with the crash guard's records).
void mount_state_disk(Node& node) {
  node.run("mkdir -p /var/lib/hotsplice && mount -t ext4 /dev/vda /var/lib/hotsplice");
}

// SIGTERM, as at a clean shutdown, and waits until hostd has exited.
void stop_hostd(Node& node) {
  node.run(
      "p=$(pidof hotsplice-hostd); kill -TERM $p; "
      "i=0; while kill -0 $p 2>/dev/null; do i=$((i+1)); [ $i -gt 450 ] && exit 1; "
      "usleep 100000; done");
}

// Waits, bounded, for hostd's log to show text.
void wait_for_log(Node& node, const std::string& text) {
  node.run("i=0; until grep -q '" + text +
           "' /tmp/hostd.log; do i=$((i+1)); [ $i -gt 450 ] && { tail -c 4000 /tmp/hostd.log; "
           "exit 1; }; usleep 100000; done");
}

void start_hostd(Node& node) {
  Json config = {{"repository", {{"directory", "/srv/repo"}, {"poll_interval_seconds", 10}}},
                 {"libvirt", {{"reconnect_interval_seconds", 1}}},
                 {"rollout", {{"canary_count", 0}}},
                 {"timeouts", {{"retry_seconds", 2}, {"recheck_seconds", 10}}},
                 {"host", {{"container_rescan_seconds", 1}}},
                 {"log_level", "debug"}};
  require_ok(node.shell().write_file("/etc/hotsplice/hostd.json", config.dump(2)));
  node.run("mkdir -p /var/lib/hotsplice /run/hotsplice && " + node_program_environment() +
           kNodeHostd + " --config /etc/hotsplice/hostd.json </dev/null >/tmp/hostd.log 2>&1 &");
}

TEST_CASE("node: one patch on the shared kernel covers every container, and a later one", "[vm]") {
  auto& kit = GuestdTestKit::get();
  const auto started = Clock::now();
  Node node;
  std::cout << "node test: image built and node booted in " << seconds_since(started) << " s\n";

  // Three containers before hostd starts, each in its own namespaces with its own hostname.
  std::vector<std::string> pids;
  for (int i = 1; i <= 3; ++i) {
    std::string pid = node.start_container("ct" + std::to_string(i), i);
    CHECK(node.in_container(pid, "hostname") == "ct" + std::to_string(i) + "\n");
    CHECK(node.in_container(pid, "cat /proc/cmdline") != kPatchedCmdline);
    pids.push_back(pid);
  }

  const std::string id = "hs-node-cmdline-1";
  publish_into(node, kit.bundle(id, kit.newest().module, kit.newest().identity), id, kit.key());
  const auto hostd_started = Clock::now();
  start_hostd(node);
  std::vector<std::string> ids = {"host"};
  for (const auto& pid : pids) ids.push_back(node.record_id(pid));
  Json guests = node.wait_for(ids, "patched", kPatch);
  std::cout << "node test: hostd start -> host and 3 containers patched in "
            << seconds_since(hostd_started) << " s\n";

  // Loaded exactly once, on the node's kernel.
  CHECK(node.run("ls /sys/kernel/livepatch") == std::string(kCmdlineModule) + "\n");
  CHECK(node.run("grep -c 'bundle " + id + " applied' /tmp/hostd.log") == "1\n");
  CHECK(node.run("cat /proc/cmdline") == kPatchedCmdline);
  auto host = *Node::record(guests, "host");
  REQUIRE(host["applied"].size() == 1);
  CHECK(host["applied"][0]["bundle_id"] == id);
  CHECK(host["kind"] == "host");
  // Each container sees the patched kernel, read from inside it.
  for (std::size_t i = 0; i < pids.size(); ++i) {
    const std::string& pid = pids[i];
    CHECK(node.in_container(pid, "cat /proc/cmdline") == kPatchedCmdline);
    auto record = *Node::record(guests, node.record_id(pid));
    // The hostname its UTS namespace has, as hostd read it.
    CHECK_THAT(record["platform_evidence"].dump(),
               Catch::Contains("hostname ct" + std::to_string(i + 1)));
    CHECK(record["kernel"] == host["kernel"]);
    CHECK(record["applied"] == host["applied"]);
    CHECK(record["kind"] == "container");
    CHECK(record["covered_by"] == "host");
    CHECK(record["effective_kernel"] == host["effective_kernel"]);
  }

  {  // a container started after the patch is covered at the next rescan
    const auto late_started = Clock::now();
    std::string pid = node.start_container("ct4", 4);
    node.wait_for({node.record_id(pid)}, "patched",
                  std::chrono::duration_cast<std::chrono::seconds>(kRescan));
    std::cout << "node test: a new container listed as patched in " << seconds_since(late_started)
              << " s\n";
    CHECK(node.in_container(pid, "cat /proc/cmdline") == kPatchedCmdline);
    pids.push_back(pid);
  }

  {  // hotsplice-guestd inside a container refuses: the node patches the shared kernel
    node.run("mkdir -p /tmp/ct-guestd/applied");
    require_ok(node.shell().write_file("/tmp/ct-guestd/applied/" + id + ".hsb",
                                       kit.bundle(id, kit.newest().module, kit.newest().identity)));
    std::string out =
        node.in_container(pids.front(), std::string(kNodeGuestd) +
                                            " --apply-stored --state-dir /tmp/ct-guestd --keys-dir "
                                            "/etc/hotsplice/keys.d 2>&1");
    INFO(out);
    CHECK_THAT(out, Catch::Contains("shared-kernel container"));
    CHECK_THAT(out, Catch::Contains("the host's kernel is patched by the host"));
    CHECK(node.run("ls /sys/kernel/livepatch") == std::string(kCmdlineModule) + "\n");
  }

  // libvirt is absent in the node: the VM path is down and says so; the rest went on.
  auto status = require_ok(
      node.shell().check_output(node_program_environment() + kNodeCli + " status --json", 30s));
  auto parsed = require_ok(parse_json(status, "status"));
  // `status --json` is {"hostd": hostd's status, "host": the API's host document}.
  CHECK(parsed["hostd"]["guest_directory"]["connected"] == false);
  CHECK(parsed["hostd"]["host"]["patching"] == true);
  std::cout << "node test: wall time " << seconds_since(started) << " s\n";
}

// The crash-loop guard through hostd on the node's own kernel (LocalKernelTarget): the guard
// is core/apply's, as in guestd's test, but here hostd applies, reports and is stopped.
TEST_CASE("node: a bundle that panicked the node's kernel is not re-applied by hostd", "[vm]") {
  auto& kit = GuestdTestKit::get();
  const auto started = Clock::now();
  testing::TempDir dir;
  const auto disk = make_state_disk(dir / "state.img");
  const std::string id = "hs-node-panic";
  const std::string bundle = kit.panic_bundle(id, kit.newest());
  const std::string attempt = "/var/lib/hotsplice/host/attempts/" + id + ".json";
  std::string original_version;
  {
    Node node(state_disk_arguments(disk));
    mount_state_disk(node);
    original_version = node.run("cat /proc/version");
    std::string pid = node.start_container("ct1", 1);
    publish_into(node, bundle, id, kit.key());
    start_hostd(node);
    // The default settle time (60 s): everything below happens within it.
    node.wait_for({"host", node.record_id(pid)}, "patched", kPatch);
    CHECK(node.run(std::string("cat /sys/kernel/livepatch/") + kPanicModule + "/enabled") == "1\n");

    // hostd stopped during the settle time (as at a clean shutdown) ends the attempt: a clean
    // reboot now would re-apply the bundle. Started again in the same boot, it watches again.
    stop_hostd(node);
    {
      std::string log = node.run("tail -c 6000 /tmp/hostd.log");
      INFO(log);
      CHECK_THAT(log, Catch::Contains("bundle " + id + " stopped settling"));
    }
    CHECK_THAT(node.run("cat " + attempt), Catch::Contains("ended_by_agent_stop"));
    start_hostd(node);
    wait_for_log(node, "bundle " + id + " settling for");
    CHECK_THAT(node.run("cat " + attempt), !Catch::Contains("ended_by_agent_stop"));

    // The bad patch's function runs: the node's kernel panics.
    panic_through_test_patch(node.guest());
  }
  std::cout << "node crash test: applied, hostd restarted, panicked in " << seconds_since(started)
            << " s\n";
  {
    Node node(state_disk_arguments(disk));
    mount_state_disk(node);
    std::string pid = node.start_container("ct1", 1);
    publish_into(node, bundle, id, kit.key());
    start_hostd(node);
    const std::string container = node.record_id(pid);
    Json guests = node.wait_for({"host", container}, "failed", kPatch);
    // Not re-applied: the kernel runs unpatched.
    CHECK(node.run("grep -c 'stored bundle " + id + " not re-applied: crashed_last_time' " +
                   "/tmp/hostd.log") == "1\n");
    CHECK(node.run("ls /sys/kernel/livepatch") == "");
    CHECK(node.run("cat /proc/version") == original_version);
    CHECK(node.run("grep -c 'bundle " + id + " applied' /tmp/hostd.log || true") == "0\n");
    // hostd says why, with the bundle id, for the host kernel and the container it covers.
    auto host = *Node::record(guests, "host");
    INFO(host.dump(1));
    CHECK(host["applied"].empty());
    CHECK_THAT(host["reason"].get<std::string>(), Catch::Contains(id + ": crashed_last_time"));
    REQUIRE(host["available"].size() == 1);
    CHECK(host["available"][0]["bundle_id"] == id);
    CHECK(host["available"][0]["why_not"] == "crashed_last_time");
    auto covered = *Node::record(guests, container);
    CHECK(covered["covered_by"] == "host");
    CHECK_THAT(covered["reason"].get<std::string>(), Catch::Contains(id + ": crashed_last_time"));
  }
  std::cout << "node crash test: wall time " << seconds_since(started) << " s\n";
}

}  // namespace
}  // namespace hotsplice::vm
