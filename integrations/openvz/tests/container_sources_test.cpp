// LXC configs, Docker and Podman API answers and PID namespaces, from recorded data
// (tests/fixtures/containers): three or more containers from each, with malformed entries.
#include <catch2/catch.hpp>

#include "integrations/openvz/container_api.h"
#include "integrations/openvz/error_codes.h"
#include "integrations/openvz/lxc_config.h"
#include "integrations/openvz/pid_namespaces.h"
#include "integrations/openvz/tests/fixture_reading.h"

using namespace hotsplice::openvz;
using namespace hotsplice::openvz::testing;

namespace {
const std::filesystem::path kMixedHost = kFixtures / "containers/host-mixed";
}

TEST_CASE("recorded LXC host: names, both hostname keys, running from the cgroup") {
  auto list = read_lxc_containers(kMixedHost);
  REQUIRE(list.containers.size() == 4);  // not-a-container has no config
  const Container* web = find_container(list, "web");
  REQUIRE(web);
  CHECK(web->hostname == "web01");
  CHECK(web->status == "running");
  CHECK(web->source == "lxc");
  const Container* db = find_container(list, "db");
  REQUIRE(db);
  CHECK(db->hostname == "db01.internal");  // LXC 2's lxc.utsname
  CHECK(db->status == "stopped");
  const Container* broken = find_container(list, "broken");
  REQUIRE(broken);
  CHECK(broken->hostname == "broken01");
  const Container* nameless = find_container(list, "nameless");
  REQUIRE(nameless);
  CHECK(nameless->hostname.empty());
  REQUIRE(list.warnings.size() == 2);
  CHECK(list.warnings[0] == "/var/lib/lxc/broken/config line 2: expected \"key = value\", skipped");
  CHECK(list.warnings[1].find("broken/config line 3") != std::string::npos);
}

TEST_CASE("recorded Docker /containers/json: State, old Status-only engines, missing fields") {
  auto list = parse_container_api_list(fixture_text("containers/docker-containers-json.json"),
                                       kSourceDocker);
  REQUIRE(list);
  REQUIRE(list->containers.size() == 5);
  const Container& first = list->containers[0];
  CHECK(first.name == "boring_feynman");
  CHECK(first.status == "running");
  CHECK(first.source == "docker");
  CHECK(first.hostname.empty());
  CHECK(list->containers[1].status == "exited");
  CHECK(list->containers[2].name == "sleepy_dog");
  CHECK(list->containers[2].status == "running");     // "Up 5 minutes", no State
  CHECK(list->containers[3].name == "4cb07b47f9fb");  // no Names: the short id
  CHECK(list->containers[3].status == "created");
  const Container& odd = list->containers[4];
  CHECK(odd.name == "5d1e7c2a8b3f");  // Names not an array
  CHECK(odd.status == "unknown");     // State not a string, no Status
  CHECK(has_warning(*list, "docker entry 4: no hexadecimal \"Id\""));
  CHECK(has_warning(*list, "docker entry 5: no hexadecimal \"Id\""));
  CHECK(has_warning(*list, "docker entry 6.State: expected a string, found array"));
}

TEST_CASE("recorded Podman /containers/json (Docker-compatible endpoint)") {
  auto list = parse_container_api_list(fixture_text("containers/podman-containers-json.json"),
                                       kSourcePodman);
  REQUIRE(list);
  REQUIRE(list->containers.size() == 3);
  CHECK(list->containers[0].name == "web-podman");
  CHECK(list->containers[1].status == "exited");
  CHECK(list->containers[2].status == "paused");
  CHECK(list->containers[2].source == "podman");
  CHECK(list->warnings.empty());
}

TEST_CASE("a container API answer that is not a JSON array is an error") {
  auto list = parse_container_api_list("{\"message\": \"page not found\"}", kSourceDocker);
  REQUIRE_FALSE(list);
  CHECK(list.error().code() == errc::kContainerListMalformed);
  CHECK(list.error().message() ==
        "docker /containers/json answer: expected a JSON array, found object");
}

TEST_CASE("recorded /proc with PID namespaces: one container per foreign namespace") {
  SECTION("nothing known: every foreign namespace is a container") {
    auto list = find_pid_namespace_containers(kMixedHost);
    REQUIRE(list);
    REQUIRE(list->containers.size() == 3);
    const Container* alpha = find_container(*list, "pid:[4026532201]");
    REQUIRE(alpha);
    CHECK(alpha->name == "busybox");  // comm of 812, its lowest process
    CHECK(alpha->status == "running");
    CHECK(alpha->source == "pid_namespace");
    CHECK(find_container(*list, "pid:[4026532305]"));
    CHECK(find_container(*list, "pid:[4026532410]"));
    CHECK_FALSE(find_container(*list, "pid:[4026531836]"));  // the host's own
    REQUIRE(list->warnings.size() == 1);
    CHECK(list->warnings[0] == "/proc/977/ns/pid: \"garbage\" is not pid:[N], skipped");
  }
  SECTION("a namespace whose cgroup names a listed LXC container is that container") {
    auto lxc = read_lxc_containers(kMixedHost);
    auto list = find_pid_namespace_containers(kMixedHost, lxc.containers);
    REQUIRE(list);
    CHECK(list->containers.size() == 2);
    CHECK_FALSE(find_container(*list, "pid:[4026532305]"));
  }
  SECTION("without /proc/1/ns/pid nothing can be told apart") {
    auto list = find_pid_namespace_containers(kFixtures / "openvz/container-vz7");
    REQUIRE_FALSE(list);
    CHECK(list.error().message().find("/proc/1/ns/pid") != std::string::npos);
  }
}
