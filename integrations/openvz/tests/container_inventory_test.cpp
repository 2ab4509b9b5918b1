// The whole inventory over recorded trees: every container carries the host's kernel, never
// what the container claims; tools are not run and sockets not asked (recorded data only).
#include <catch2/catch.hpp>

#include <cstdlib>
#include "integrations/openvz/container_inventory.h"

#include "integrations/openvz/tests/fixture_reading.h"
#include "tests/support/temp_dir.h"

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

namespace {

// A stand-in for the vzlist program (none exists off an OpenVZ node): a shell script on
// PATH that prints the recorded output, or fails the way a broken vzctl install would.
// PATH is restored when the object goes away.
class RecordedVzlistOnPath {
 public:
  RecordedVzlistOnPath(const hotsplice::testing::TempDir& directory, const std::string& body)
      : saved_(std::getenv("PATH") ? std::getenv("PATH") : "") {
    auto script = directory.write("bin/vzlist", "#!/bin/sh\n" + body + "\n");
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
    std::string path = (directory / "bin").string() + ":/usr/bin:/bin";
    ::setenv("PATH", path.c_str(), 1);
  }
  ~RecordedVzlistOnPath() { ::setenv("PATH", saved_.c_str(), 1); }

 private:
  std::string saved_;
};

}  // namespace

TEST_CASE("vzlist on PATH is run through subprocess and its JSON used") {
  hotsplice::testing::TempDir directory;
  RecordedVzlistOnPath vzlist(directory,
                              "exec cat '" + (kFixtures / "openvz/vzlist-a-j.json").string() + "'");
  auto options = recorded(kFixtures / "openvz/node-vz7");
  options.run_tools = true;
  auto list = enumerate_containers(options);
  REQUIRE(list);
  REQUIRE(list->containers.size() == 4);
  CHECK(list->containers[0].source == "vzlist");
  CHECK(list->containers[0].kernel.release == "6.18.44-fc-v595");
  CHECK(has_warning(*list, "vzlist entry 3: no CTID or UUID"));
}

TEST_CASE("a failing vzlist falls back to the node's files, saying why") {
  hotsplice::testing::TempDir directory;
  RecordedVzlistOnPath vzlist(directory, "echo 'Unable to open /proc/vz/veinfo' >&2; exit 1");
  auto options = recorded(kFixtures / "openvz/node-vz7");
  options.run_tools = true;
  auto list = enumerate_containers(options);
  REQUIRE(list);
  CHECK(list->containers.size() == 5);  // from /etc/vz/conf and /proc/vz/veinfo
  REQUIRE_FALSE(list->warnings.empty());
  CHECK(list->warnings[0].find("vzlist -a -j") != std::string::npos);
  CHECK(list->warnings[0].find("listed from /proc/vz/veinfo and /etc/vz/conf instead") !=
        std::string::npos);
}
