// A container's record follows the host kernel's: same kernel, same live patches, same
// status; never what the container itself claims. Stopped containers run no kernel.
#include <catch2/catch.hpp>

#include "hostagent/container_coverage.h"

using namespace hotsplice;
using namespace hotsplice::hostd;

namespace {

CoverageRecord patched_host() {
  CoverageRecord host;
  host.id = "host";
  host.name = "node-1";
  host.kind = kind::kHost;
  host.status = GuestStatus::patched;
  host.kernel = KernelIdentity{"6.1.0-56-amd64", "#1 SMP Debian 6.1.158-1", "ab12"};
  host.effective_kernel = "6.1.0-56-amd64+hotsplice.hs-1";
  host.applied = {{"hs-1", {"CVE-2024-1086"}}};
  host.cves_fixed = {"CVE-2024-1086"};
  return host;
}

openvz::Container container(std::string id, std::string status, std::string source) {
  openvz::Container c;
  c.id = std::move(id);
  c.name = "web-" + c.id;
  c.status = std::move(status);
  c.source = std::move(source);
  // What the container's own view might claim (OpenVZ osrelease): must not show anywhere.
  c.kernel = KernelIdentity{"2.6.32-spoofed", "#1", "ff"};
  return c;
}

}  // namespace

TEST_CASE("container records: running containers take the host kernel's record") {
  auto host = patched_host();
  auto records = container_records(
      host, {container("101", "running", openvz::kSourceVeinfo),
             container("pid:[4026532301]", "running", openvz::kSourcePidNamespace)});
  REQUIRE(records.size() == 2);
  for (const auto& record : records) {
    CHECK(record.kind == kind::kContainer);
    CHECK(record.covered_by == std::optional<std::string>("host"));
    CHECK(record.status == GuestStatus::patched);
    CHECK(record.kernel == host.kernel);
    CHECK(record.effective_kernel == host.effective_kernel);
    CHECK(record.applied == host.applied);
    CHECK(record.cves_fixed == host.cves_fixed);
  }
  CHECK(records[0].id == "ct:101");
  CHECK(records[0].name == "web-101");
  CHECK(records[1].id == "ct:pid:[4026532301]");
  CHECK_THAT(records[0].reason, Catch::Contains("runs on the host kernel"));
}

TEST_CASE("container records: the host's failure is every running container's") {
  auto host = patched_host();
  host.status = GuestStatus::failed;
  host.reason = "hs-2: transition_stalled: the transition did not finish";
  auto records = container_records(host, {container("102", "running", openvz::kSourceVzlist)});
  REQUIRE(records.size() == 1);
  CHECK(records[0].status == GuestStatus::failed);
  CHECK_THAT(records[0].reason, Catch::Contains("transition_stalled"));
}

TEST_CASE("container records: a stopped container is unknown and claims no kernel") {
  auto records =
      container_records(patched_host(), {container("107", "stopped", openvz::kSourceVzConf)});
  REQUIRE(records.size() == 1);
  CHECK(records[0].status == GuestStatus::unknown);
  CHECK_FALSE(records[0].kernel.has_value());
  CHECK(records[0].applied.empty());
  CHECK_THAT(records[0].reason, Catch::Contains("not running"));
}
