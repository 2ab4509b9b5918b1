// systemd-machined's state files and lxc-ls output, on recorded data
// (tests/fixtures/containers, see its README for where each format is documented).
#include <catch2/catch.hpp>

#include "integrations/openvz/error_codes.h"
#include "integrations/openvz/lxc_config.h"
#include "integrations/openvz/machined.h"
#include "integrations/openvz/tests/fixture_reading.h"

using namespace hotsplice;
using namespace hotsplice::openvz;
using hotsplice::openvz::testing::find_container;
using hotsplice::openvz::testing::fixture_text;
using hotsplice::openvz::testing::has_warning;
using hotsplice::openvz::testing::kFixtures;

TEST_CASE("recorded machined state: nspawn containers listed, VMs and broken files skipped") {
  auto list = read_machined_containers(kFixtures / "containers/machined");
  CHECK(list.containers.size() == 3);
  const Container* web = find_container(list, "web");
  REQUIRE(web);
  CHECK(web->name == "web");
  CHECK(web->status == kStatusRunning);  // no STATE: machined lists running machines
  CHECK(web->source == kSourceMachined);
  const Container* opening = find_container(list, "build-box");
  REQUIRE(opening);
  CHECK(opening->status == "opening");
  CHECK(find_container(list, "ci"));
  // A VM registered with machined runs its own kernel: not a container on this one.
  CHECK_FALSE(find_container(list, "qemu-win"));
  CHECK(has_warning(list, "/run/systemd/machines/broken line 2: not KEY=VALUE"));
  CHECK(has_warning(list, "/run/systemd/machines/broken: no usable NAME, skipped"));
}

TEST_CASE("machined: a missing directory lists nothing, hostile names are dropped") {
  CHECK(read_machined_containers(kFixtures / "containers/host-mixed").containers.empty());
  auto list = parse_machined_state("NAME=evil\x1b[2J\nCLASS=container\n", "m");
  CHECK(list.containers.empty());
  CHECK_FALSE(list.warnings.empty());
}

TEST_CASE("recorded lxc-ls --fancy output: names and states, a short row skipped") {
  auto list = parse_lxc_ls(fixture_text("containers/lxc-ls-fancy.txt"));
  REQUIRE(list);
  REQUIRE(list->containers.size() == 3);
  CHECK(find_container(*list, "web")->status == kStatusRunning);
  CHECK(find_container(*list, "db")->status == kStatusStopped);
  CHECK(find_container(*list, "cache")->status == "frozen");
  CHECK(find_container(*list, "web")->source == kSourceLxc);
  CHECK(has_warning(*list, "lxc-ls line 5: not \"<name> <state>\", skipped"));
}

TEST_CASE("lxc-ls output without its header is refused with a clear error") {
  for (std::string_view text : {"", "web RUNNING\n", "\n\n", "NAME\nweb RUNNING\n"}) {
    auto list = parse_lxc_ls(text);
    REQUIRE_FALSE(list);
    CHECK(list.error().code() == errc::kContainerListMalformed);
  }
  CHECK(parse_lxc_ls("NAME STATE\n")->containers.empty());
}
