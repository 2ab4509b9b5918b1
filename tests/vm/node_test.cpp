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

// One node guest, shared by every step of the test.
class Node {
 public:
  explicit Node(const GuestImage& image) {
    QemuGuestOptions options(image, work_.path() / "vm");
    options.memory_mib = 1024;  // the initramfs alone is ~120 MiB, hostd runs sanitized
    options.boot_timeout = std::chrono::duration_cast<std::chrono::seconds>(kBoot);
    guest_.emplace(require_ok(QemuGuest::start(options)));
  }

  const fs::path& work() const { return work_.path(); }
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
  testing::TempDir image_work;
  auto public_key = image_work.write("test.pub", kit.key().public_key().to_pem());
  GuestImage image =
      require_ok(build_node_guest_image(kit.newest().release, public_key, image_work.path()));
  Node node(image);
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
  for (const auto& pid : pids) {
    CHECK(node.in_container(pid, "cat /proc/cmdline") == kPatchedCmdline);
    auto record = *Node::record(guests, node.record_id(pid));
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

}  // namespace
}  // namespace hotsplice::vm
