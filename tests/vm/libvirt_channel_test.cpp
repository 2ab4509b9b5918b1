// Issue 3's libvirt runner: two guests under a private libvirtd, each channel socket found
// through the live domain XML, bytes exchanged with a process inside each guest.
#include <catch2/catch.hpp>

#include <set>
#include <vector>

#include "tests/support/temp_dir.h"
#include "tests/vm/harness/echo_port.h"
#include "tests/vm/harness/guest_kernel.h"
#include "tests/vm/harness/private_libvirt.h"
#include "tests/vm/require_ok.h"

using namespace hotsplice::vm;

TEST_CASE("two libvirt guests each talk over their own agent channel", "[libvirt]") {
  hotsplice::testing::TempDir dir;
  auto started = std::chrono::steady_clock::now();
  auto seconds_since_start = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  auto libvirt = require_ok(PrivateLibvirt::start(dir / "libvirt"));
  WARN("private libvirtd answering after " << seconds_since_start() << " s");
  GuestImage image = require_ok(build_guest_image(GuestImageSpec(test_kernel_releases().front())));

  std::vector<LibvirtGuest> guests;
  for (const char* name : {"hotsplice-a", "hotsplice-b"}) {
    guests.push_back(require_ok(libvirt->start_guest(name, image)));
  }
  WARN("both guests started after " << seconds_since_start() << " s");
  auto deadline = Deadline::after(std::chrono::seconds(90));
  for (LibvirtGuest& guest : guests) require_ok(guest.wait_until_ready(deadline));
  WARN("both guests ready after " << seconds_since_start() << " s");

  std::set<std::filesystem::path> agent_paths;
  for (LibvirtGuest& guest : guests) {
    INFO("guest " << guest.name());
    std::filesystem::path agent = require_ok(guest.channel_path(kAgentPortName));
    agent_paths.insert(agent);
    // A process in the guest answers on the agent port with its guest's name.
    require_ok(start_echo_port(guest.shell(), kAgentPortName, guest.name()));
    std::string reply = require_ok(echo_exchange(agent, "hello " + guest.name(), deadline));
    CHECK(reply == guest.name() + ":hello " + guest.name());
  }
  CHECK(agent_paths.size() == 2);
}
