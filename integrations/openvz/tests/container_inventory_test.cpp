// The whole inventory over recorded trees: every container carries the host's kernel, never
// what the container claims; tools are not run and sockets not asked (recorded data only).
#include <catch2/catch.hpp>

#include "integrations/openvz/container_inventory.h"
#include "integrations/openvz/tests/fixture_reading.h"

using namespace hotsplice::openvz;
using namespace hotsplice::openvz::testing;

namespace {
InventoryOptions recorded(const std::filesystem::path& root) {
  InventoryOptions options;
  options.root = root;
  options.run_tools = false;
  options.query_apis = false;
  return options;
}
}  // namespace

TEST_CASE("recorded Virtuozzo node: every container runs the node's kernel") {
  auto list = enumerate_containers(recorded(kFixtures / "openvz/node-vz7"));
  REQUIRE(list);
  REQUIRE(list->containers.size() == 5);
  for (const auto& container : list->containers) {
    CHECK(container.kernel.release == "6.18.44-fc-v595");
    CHECK_FALSE(container.kernel.build_id.empty());
  }
  // 101.conf sets OSRELEASE="2.6.32-spoofed": what the container would claim is not used.
  CHECK(find_container(*list, "101")->kernel.release == "6.18.44-fc-v595");
}

TEST_CASE("recorded mixed host: LXC and PID namespaces, no container listed twice") {
  auto list = enumerate_containers(recorded(kFixtures / "containers/host-mixed"));
  REQUIRE(list);
  CHECK(list->containers.size() == 6);  // 4 LXC + 2 namespaces not already LXC's
  CHECK(find_container(*list, "web")->status == "running");
  CHECK_FALSE(find_container(*list, "pid:[4026532305]"));
  CHECK(has_warning(*list, "/proc/977/ns/pid"));
}

TEST_CASE("a tree without the host kernel's identity is an error, not a guess") {
  auto list = enumerate_containers(recorded(kFixtures / "openvz/container-vz7"));
  REQUIRE_FALSE(list);
  CHECK(list.error().message().find("the host kernel, which every container runs on") == 0);
}
