// LibvirtDirectory against a real libvirtd (the private one of tests/vm) running real QEMU
// guests. One test case, one libvirtd and two guests, because TCG guests take seconds to
// boot: each step builds on the previous one.
//   1. a running guest with the agent channel is found with the socket path libvirt
//      generated (and the socket exists);
//   2. a guest started after open() is reported through the lifecycle event; it has no agent
//      channel;
//   3. the agent channel's state follows the guest: a process opening the port in the guest
//      turns it connected (no libvirt event exists for that: the rescan finds it);
//   4. the second guest gets the channel hot-plugged (live + persistent); its path appears
//      and bytes travel through it to a process in that guest;
//   5. libvirtd killed and restarted: connection_changed(false), then (true), and both
//      domains re-reported with the same paths;
//   6. a guest destroyed is reported gone.
#include <catch2/catch.hpp>

#include <filesystem>

#include "core/base/subprocess.h"
#include "integrations/kvm/domain_xml.h"
#include "integrations/kvm/libvirt_directory.h"
#include "integrations/kvm/libvirt_handles.h"
#include "integrations/kvm/tests/directory_recorder.h"
#include "tests/support/temp_dir.h"
#include "tests/vm/harness/echo_port.h"
#include "tests/vm/harness/guest_kernel.h"
#include "tests/vm/harness/private_libvirt.h"
#include "tests/vm/require_ok.h"

using namespace hotsplice;
using namespace hotsplice::kvm;
using namespace hotsplice::kvm::testing;
using namespace hotsplice::vm;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

DomainInfo report_at(const DirectoryRecorder& recorder, int index) {
  REQUIRE(index >= 0);
  return recorder.reports()[static_cast<std::size_t>(index)].domain;
}

bool has_channel_path(const DomainInfo& domain) {
  return domain.agent_channel && !domain.agent_channel->source_path.empty();
}

}  // namespace

TEST_CASE("the directory follows real guests under a private libvirtd", "[libvirt]") {
  hotsplice::testing::TempDir dir;
  // Before any thread exists (the directory's event loop is one): see private_libvirt.h.
  auto libvirt = require_ok(PrivateLibvirt::start(dir / "libvirt"));
  GuestImage image = require_ok(build_guest_image(GuestImageSpec(test_kernel_releases().front())));
  LibvirtGuest a = require_ok(libvirt->start_guest("kvm-a", image));

  DirectoryRecorder recorder;
  LibvirtOptions options;  // qemu:///system: the private libvirtd, in this mount namespace
  options.rescan_interval = seconds(1);
  options.reconnect_interval = milliseconds(200);
  options.reconnect_max_interval = seconds(1);
  auto directory = require_ok(LibvirtDirectory::open(options, recorder.callbacks()));
  REQUIRE(directory->connected());

  // 1. Found at open, with the generated socket path.
  auto listed = directory->list();
  REQUIRE(listed.size() == 1);
  DomainInfo found_a = listed.front();
  CHECK(found_a.name == "kvm-a");
  CHECK(found_a.uuid == a.uuid());
  CHECK(found_a.running);
  CHECK(found_a.hypervisor == "qemu");
  REQUIRE(has_channel_path(found_a));
  std::filesystem::path a_socket = found_a.agent_channel->source_path;
  CHECK(a_socket == require_ok(a.channel_path(kAgentPortName)));
  CHECK(std::filesystem::is_socket(a_socket));
  WARN("kvm-a agent channel: " << a_socket.string() << " ("
                               << to_string(found_a.agent_channel->state) << ")");

  // 2. Started after open(): reported through the lifecycle event, without the channel.
  std::size_t mark = recorder.size();
  LibvirtGuest b =
      require_ok(libvirt->start_guest("kvm-b", image, "", PrivateLibvirt::AgentChannel::absent));
  DomainInfo found_b = report_at(
      recorder,
      recorder.wait_for(mark, seen("kvm-b", [](auto& d) { return d.running; }), seconds(30)));
  CHECK(found_b.uuid == b.uuid());
  CHECK_FALSE(found_b.agent_channel);

  auto boot_deadline = Deadline::after(seconds(120));
  require_ok(a.wait_until_ready(boot_deadline));
  require_ok(b.wait_until_ready(boot_deadline));

  // 3. A process in kvm-a opens the agent port: libvirt's state turns connected, and the
  // directory notices without any event for it.
  mark = recorder.size();
  require_ok(start_echo_port(a.shell(), kAgentPortName, "kvm-a"));
  int connected = recorder.wait_for(mark, seen("kvm-a", [](auto& d) {
                                      return d.agent_channel &&
                                             d.agent_channel->state == ChannelState::connected;
                                    }));
  CHECK(connected >= 0);
  CHECK(require_ok(echo_exchange(a_socket, "ping", Deadline::after(seconds(30)))) == "kvm-a:ping");

  // 4. Hot-plug into kvm-b: reported again with the path libvirt generated.
  mark = recorder.size();
  require_ok(directory->attach_agent_channel(b.uuid()));
  DomainInfo plugged =
      report_at(recorder, recorder.wait_for(mark, seen("kvm-b", has_channel_path)));
  std::filesystem::path b_socket = plugged.agent_channel->source_path;
  CHECK(plugged.agent_channel->source_type == ChannelSourceType::unix_socket);
  CHECK(b_socket == require_ok(b.channel_path(kAgentPortName)));
  CHECK(b_socket != a_socket);
  CHECK(std::filesystem::is_socket(b_socket));
  // Persistent too: the inactive (next boot) definition has it.
  {
    DomainHandle domain(virDomainLookupByUUIDString(libvirt->connection(), b.uuid().c_str()));
    REQUIRE(domain);
    LibvirtString config(virDomainGetXMLDesc(domain.get(), VIR_DOMAIN_XML_INACTIVE));
    REQUIRE(config);
    auto channel = find_agent_channel(std::string_view(config.get()));
    REQUIRE(channel);
    CHECK(channel->has_value());
  }
  // And real: a process in kvm-b answers through the hot-plugged port.
  require_ok(start_echo_port(b.shell(), kAgentPortName, "kvm-b"));
  CHECK(require_ok(echo_exchange(b_socket, "ping", Deadline::after(seconds(30)))) == "kvm-b:ping");

  // 5. libvirtd killed and restarted under the directory.
  mark = recorder.size();
  require_ok(libvirt->restart_libvirtd(Deadline::after(seconds(90))));
  int down = recorder.wait_for(mark, connection(false), seconds(30));
  REQUIRE(down >= 0);
  WARN("down: " << recorder.reports()[static_cast<std::size_t>(down)].text);
  int up = recorder.wait_for(static_cast<std::size_t>(down), connection(true), seconds(60));
  REQUIRE(up >= 0);
  DomainInfo again_a = report_at(recorder, recorder.wait_for(up, seen("kvm-a")));
  DomainInfo again_b = report_at(recorder, recorder.wait_for(up, seen("kvm-b")));
  CHECK(again_a.running);
  CHECK(again_b.running);
  REQUIRE(has_channel_path(again_a));
  REQUIRE(has_channel_path(again_b));
  CHECK(again_a.agent_channel->source_path == a_socket.string());
  CHECK(again_b.agent_channel->source_path == b_socket.string());
  for (std::size_t i = mark; i < recorder.size(); ++i) {
    CHECK(recorder.reports()[i].kind != Report::gone);  // guests ran on without libvirtd
  }
  CHECK(directory->connected());

  // 6. Stopped: gone, then seen again as a defined domain that is not running. A libvirtd
  // restarted right after a SIGKILL sometimes fails to take a guest over (QEMU resets its
  // new monitor connection) and stops it: the directory must then report that stop.
  std::size_t from = recorder.size();
  {
    DomainHandle domain(virDomainLookupByUUIDString(libvirt->connection(), b.uuid().c_str()));
    REQUIRE(domain);
    if (virDomainDestroy(domain.get()) != 0) {
      WARN(libvirt_error_message("destroying kvm-b") << "; libvirtd log:\n"
                                                     << file_tail(dir / "libvirt/libvirtd.log"));
      from = static_cast<std::size_t>(up);
    }
  }
  int gone_b = recorder.wait_for(from, gone(b.uuid()));
  REQUIRE(gone_b >= 0);
  CHECK(recorder.wait_for(gone_b, seen("kvm-b", [](auto& d) { return !d.running; })) > gone_b);
}
