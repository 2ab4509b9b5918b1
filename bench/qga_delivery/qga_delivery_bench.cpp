// Delivery against the common alternative (issue 13, bench 2): the same 1 MiB signed bundle
// put into one real TCG guest of a private libvirtd
//   (a) by hotsplice's channel: hotsplice-hostd (a child process, the shipped binary) offers
//       it to hotsplice-guestd over org.hotsplice.agent.0; timed from hostd's "offering" log
//       line to its "transferred" line, which hostd writes when guestd has staged the whole
//       bundle and checked its SHA-256 (the apply that follows is not timed); BENCH_RUNS
//       times, a fresh hostd each, the guest rolled back between runs. Then the same
//       transfer again by core/protocol's HostSession alone (hostd's engine, hostd's chunking)
//       over the same socket, for more samples;
//   (b) by QEMU's guest agent (Debian's qemu-ga, started in the guest on
//       org.qemu.guest_agent.0): guest-file-open, guest-file-write of base64 chunks,
//       guest-file-close, timed from the open to the close's answer. Once with one
//       `virsh qemu-agent-command` per command, as an operator's script would do it, and
//       once over one long-lived libvirt connection (virDomainQemuAgentCommand).
// Every delivered copy is checked in the guest (sha256sum through the test shell, untimed).
// Run by hand, never part of ctest (Catch2 options accepted; sizes from the environment):
//   [BENCH_BUNDLE_KIB=1024] [BENCH_CHUNK_KIB=48] [BENCH_RUNS=3] qga_delivery_bench
#include <libvirt/libvirt-qemu.h>
#include <libvirt/libvirt.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/base/file_io.h"
#include "core/base/subprocess.h"
#include "core/crypto/sha256.h"
#include "integrations/kvm/libvirt_handles.h"
#include "tests/support/temp_dir.h"
#include "tests/vm/agent_guest_image.h"
#include "tests/vm/guestd_host_client.h"
#include "tests/vm/guestd_test_kit.h"
#include "tests/vm/harness/base64.h"
#include "tests/vm/harness/private_libvirt.h"
#include "tests/vm/hostd_test_kit.h"
#include "tests/vm/require_ok.h"

using namespace hotsplice;
using namespace hotsplice::vm;
using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

constexpr char kGuestName[] = "delivery-1";
constexpr char kQemuGa[] = "/usr/sbin/qemu-ga";
constexpr char kQemuGaLibraryDir[] = "/opt/qemu-ga/lib";

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

struct Samples {
  std::vector<double> ms;
  double median() const {
    auto sorted = ms;
    std::sort(sorted.begin(), sorted.end());
    return sorted[sorted.size() / 2];
  }
  std::string describe() const {
    char text[160];
    std::snprintf(text, sizeof text, "median %.0f ms (min %.0f, max %.0f, %zu runs)", median(),
                  *std::min_element(ms.begin(), ms.end()), *std::max_element(ms.begin(), ms.end()),
                  ms.size());
    return text;
  }
};

std::string load_average() {
  auto text = read_file("/proc/loadavg", 256);
  return text ? text->substr(0, text->find(' ')) : "?";
}

// The test image plus qemu-ga, its shared libraries and the hook that starts it at boot.
GuestImage delivery_image(const TestKernel& kernel, const fs::path& public_key) {
  GuestImageSpec libraries(kernel.release);
  require_ok(add_shared_libraries(kQemuGa, kQemuGaLibraryDir, libraries));
  auto files = libraries.extra_files;
  files[kQemuGa] = kQemuGa;
  files[HOTSPLICE_QGA_HOOK] = "/etc/hotsplice/init.d/qemu-ga";
  return require_ok(build_agent_guest_image(kernel.release, public_key, files));
}

// A signed bundle of the test livepatch for kernel, its module padded (after the ELF's last
// byte: the kernel's loader reads only what the headers point at) so that the bundle is
// `bytes` long. The padding is pseudo-random, like the compressed sections of a real module:
// zeros would favour a framing (COBS) that encodes each zero as a block of its own.
std::string padded_bundle(const GuestdTestKit& kit, const TestKernel& kernel, const std::string& id,
                          std::size_t bytes) {
  std::string module = kernel.module;
  std::string bundle = kit.bundle(id, module, kernel.identity);
  // The manifest names the module's size, so its digits move the total by a byte or two:
  // adjust until the bundle is exactly `bytes` (a few rounds at most).
  for (int round = 0; round < 4 && bundle.size() != bytes; ++round) {
    auto target = static_cast<long long>(module.size()) + static_cast<long long>(bytes) -
                  static_cast<long long>(bundle.size());
    if (target < static_cast<long long>(kernel.module.size())) break;  // smaller than the module
    std::mt19937 random(static_cast<unsigned>(std::hash<std::string>{}(id)));
    module.resize(kernel.module.size());
    while (module.size() < static_cast<std::size_t>(target))
      module.push_back(static_cast<char>(random() & 0xFFu));
    bundle = kit.bundle(id, module, kernel.identity);
  }
  return bundle;
}

// hostd's log as it is written: each line stamped with the time this process read it.
class LogFollower {
 public:
  explicit LogFollower(fs::path path) : path_(std::move(path)) {}
  // Waits (polling every millisecond) for a line that starts with prefix and contains
  // needle; returns when it was read.
  Clock::time_point wait_for(const std::string& prefix, const std::string& needle,
                             Clock::time_point deadline) {
    while (Clock::now() < deadline) {
      std::ifstream in(path_);
      in.seekg(static_cast<std::streamoff>(offset_));
      std::string line;
      while (std::getline(in, line)) {
        if (in.eof()) break;  // a line still being written: read it whole next time
        offset_ += line.size() + 1;
        if (line.rfind(prefix, 0) == 0 && line.find(needle) != std::string::npos)
          return Clock::now();
      }
      std::this_thread::sleep_for(1ms);
    }
    FAIL("hostd never logged '" << prefix << "' with '" << needle << "'; log tail:\n"
                                << file_tail(path_, 3000));
    return Clock::now();
  }

 private:
  fs::path path_;
  std::size_t offset_ = 0;
};

// (a) hostd -> guestd: one rollout of a freshly published bundle, offering -> transferred.
double hostd_transfer_ms(const GuestdTestKit& kit, const fs::path& work, const fs::path& bundle,
                         const std::string& id) {
  HostdUnderTest hostd(work, kit.key());
  hostd.configure({});
  hostd.start();
  // Connected and handshaken: nothing in the (empty) repository targets the guest yet.
  hostd.wait_for_statuses({{kGuestName, "unsupported_kernel"}}, Deadline::after(3min));
  LogFollower log(hostd.log());
  hostd.publish({bundle});
  const std::string guest = std::string("guest=") + kGuestName + " bundle=" + id;
  auto offered = log.wait_for("<6>offering ", guest, Clock::now() + 3min);
  auto transferred = log.wait_for("<6>transferred ", guest, Clock::now() + 5min);
  // Let the apply finish before hostd stops, so that the guest is quiet for the next runs.
  hostd.wait_until(
      "the apply to end",
      [](const Json& answer) {
        for (const auto& record : HostdUnderTest::records(answer)) {
          std::string status = record.value("status", "");
          if (record.value("name", "") == kGuestName)
            return status == "patched" || status == "failed";
        }
        return false;
      },
      Deadline::after(3min));
  std::cout << "hostd's status of the guest after the apply (not timed): "
            << hostd.status_of(kGuestName) << "\n";
  hostd.stop();
  return std::chrono::duration<double, std::milli>(transferred - offered).count();
}

// One guest agent command through `virsh qemu-agent-command` (a process per command, a
// libvirt connection per process: what a shell script does). Returns the "return" value.
nlohmann::json virsh_agent_command(const nlohmann::json& command) {
  auto result =
      require_ok(run_checked(SubprocessSpec({"virsh", "-c", "qemu:///system", "qemu-agent-command",
                                             "--timeout", "120", kGuestName, command.dump()})));
  return nlohmann::json::parse(result.output).at("return");
}

// The same command over one long-lived connection.
class AgentConnection {
 public:
  AgentConnection() {
    connection_ = virConnectOpen("qemu:///system");
    REQUIRE(connection_ != nullptr);
    domain_ = virDomainLookupByName(connection_, kGuestName);
    REQUIRE(domain_ != nullptr);
  }
  ~AgentConnection() {
    virDomainFree(domain_);
    virConnectClose(connection_);
  }
  AgentConnection(const AgentConnection&) = delete;
  AgentConnection& operator=(const AgentConnection&) = delete;

  std::optional<nlohmann::json> try_command(const nlohmann::json& command) {
    char* answer = virDomainQemuAgentCommand(domain_, command.dump().c_str(), 120, 0);
    if (answer == nullptr) return std::nullopt;
    auto parsed = nlohmann::json::parse(answer).at("return");
    free(answer);  // allocated by libvirt with malloc
    return parsed;
  }
  nlohmann::json command(const nlohmann::json& command) {
    auto answer = try_command(command);
    if (!answer) FAIL(kvm::libvirt_error_message("qemu-ga"));
    return *answer;
  }

 private:
  virConnectPtr connection_ = nullptr;
  virDomainPtr domain_ = nullptr;
};

// (b) guest-file-open, guest-file-write per chunk, guest-file-close; returns the ms taken.
template <typename Send>
double qga_write_ms(Send send, const std::string& bundle, std::size_t chunk_bytes,
                    const std::string& guest_path) {
  auto started = Clock::now();
  auto handle =
      send({{"execute", "guest-file-open"}, {"arguments", {{"path", guest_path}, {"mode", "w"}}}});
  for (std::size_t offset = 0; offset < bundle.size(); offset += chunk_bytes) {
    nlohmann::json written = send(
        {{"execute", "guest-file-write"},
         {"arguments",
          {{"handle", handle},
           {"buf-b64", base64_encode(std::string_view(bundle).substr(offset, chunk_bytes))}}}});
    REQUIRE(written.at("count").get<std::size_t>() ==
            std::min(chunk_bytes, bundle.size() - offset));
  }
  send({{"execute", "guest-file-close"}, {"arguments", {{"handle", handle}}}});
  return ms_since(started);
}

void check_guest_copy(GuestShell& shell, const std::string& path, const std::string& bundle) {
  std::string sum = require_ok(shell.check_output("sha256sum " + path + " && rm " + path));
  REQUIRE(sum.substr(0, 64) == sha256_hex(bundle));
}

}  // namespace

TEST_CASE("delivery of a 1 MiB bundle: hotsplice's channel against qemu-ga's guest-file-write") {
  std::size_t bundle_bytes = 1024 * 1024, chunk_bytes = 48 * 1024;
  int runs = 3;
  if (const char* v = std::getenv("BENCH_BUNDLE_KIB")) bundle_bytes = std::stoul(v) * 1024;
  if (const char* v = std::getenv("BENCH_CHUNK_KIB")) chunk_bytes = std::stoul(v) * 1024;
  if (const char* v = std::getenv("BENCH_RUNS")) runs = std::max(1, std::stoi(v));

  const GuestdTestKit& kit = GuestdTestKit::get();
  const TestKernel& kernel = kit.newest();
  testing::TempDir dir;
  auto public_key = dir.write("test.pub", kit.key().public_key().to_pem());
  GuestImage image = delivery_image(kernel, public_key);
  auto libvirt = require_ok(PrivateLibvirt::start(dir / "libvirt", 30min));
  LibvirtGuest guest =
      require_ok(libvirt->start_guest(kGuestName, image, "", PrivateLibvirt::AgentChannel::present,
                                      PrivateLibvirt::QemuGuestAgentChannel::present));
  require_ok(guest.wait_until_ready(Deadline::after(3min)));
  std::cout << "guest " << kernel.release << " up; load average " << load_average() << "\n";

  // (a) hostd -> guestd, `runs` times: each run a fresh hostd (its own repository and
  // database) rolls out a bundle of its own; the agent then rolls it back (untimed), so that
  // the next run patches an unpatched guest again.
  std::string bundle;
  Samples hostd_samples;
  for (int run = 1; run <= runs; ++run) {
    const std::string id = "hs-delivery-h" + std::to_string(run);
    bundle = padded_bundle(kit, kernel, id, bundle_bytes);
    auto bundle_file = dir.write(id + ".hsb", bundle);
    hostd_samples.ms.push_back(
        hostd_transfer_ms(kit, dir / ("hostd-" + std::to_string(run)), bundle_file, id));
    AgentClient agent = require_ok(AgentClient::connect(
        require_ok(guest.channel_path(kAgentPortName)), 60s, AgentClient::test_options()));
    protocol::Result rolled_back = require_ok(agent.rollback(id));
    INFO(rolled_back.code << ": " << rolled_back.message);
    REQUIRE(rolled_back.ok);
  }
  std::cout << "bundle " << bundle.size() << " bytes\n"
            << "(a) hotsplice channel, hostd -> guestd (offering -> transferred): "
            << hostd_samples.describe() << "\n";

  Samples session;
  {
    protocol::HostSessionOptions options;  // hostd's chunking and window
    options.agent_version = "qga_delivery_bench";
    options.chunk_timeout = options.request_timeout = 120s;
    AgentClient agent = require_ok(
        AgentClient::connect(require_ok(guest.channel_path(kAgentPortName)), 60s, options));
    for (int run = 1; run <= runs; ++run) {
      // Another id is another digest: the agent does not already have it.
      const std::string id = "hs-delivery-" + std::to_string(run);
      std::string other = padded_bundle(kit, kernel, id, bundle_bytes);
      auto started = Clock::now();
      REQUIRE(require_ok(agent.send_bundle(id, other)) == 0);
      session.ms.push_back(ms_since(started));
    }
  }
  std::cout << "(a') the same by HostSession alone over the same socket: " << session.describe()
            << "\n";

  // (b) qemu-ga. Wait until libvirt sees it answering.
  AgentConnection connection;
  auto deadline = Clock::now() + 2min;
  while (!connection.try_command({{"execute", "guest-ping"}})) {
    if (Clock::now() > deadline) FAIL(kvm::libvirt_error_message("qemu-ga never answered"));
    std::this_thread::sleep_for(500ms);
  }
  const std::size_t writes = (bundle.size() + chunk_bytes - 1) / chunk_bytes;
  Samples virsh, api;
  for (int run = 1; run <= runs; ++run) {
    const std::string path = "/tmp/qga-delivery-" + std::to_string(run);
    virsh.ms.push_back(qga_write_ms(virsh_agent_command, bundle, chunk_bytes, path));
    check_guest_copy(guest.shell(), path, bundle);
    api.ms.push_back(
        qga_write_ms([&connection](const nlohmann::json& c) { return connection.command(c); },
                     bundle, chunk_bytes, path));
    check_guest_copy(guest.shell(), path, bundle);
  }
  std::cout << "(b) qemu-ga, " << chunk_bytes << "-byte chunks (" << writes
            << " guest-file-write + open + close):\n"
            << "    one `virsh qemu-agent-command` per command: " << virsh.describe() << "\n"
            << "    one libvirt connection (virDomainQemuAgentCommand): " << api.describe() << "\n";
  std::printf(
      "ratio qemu-ga (virsh) / channel (hostd): %.1fx; qemu-ga (virsh) / channel (HostSession "
      "median): %.1fx; qemu-ga (one connection) / channel (hostd): %.1fx\n",
      virsh.median() / hostd_samples.median(), virsh.median() / session.median(),
      api.median() / hostd_samples.median());
  // The guest's own account of each transfer (guestd's "staged" lines).
  std::cout << "guestd's log:\n"
            << require_ok(guest.shell().check_output(
                   "grep ' staged: ' /tmp/hotsplice-guestd.log || echo '(no staged lines)'"));
  std::cout << "load average at the end " << load_average() << "\n";
}
