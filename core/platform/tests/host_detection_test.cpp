// Host detection on recorded trees (tests/fixtures/openvz: a Virtuozzo 7 node and a
// container on it) and on hand-made trees for the hypervisor and unknown cases: each test
// asserts the verdict, the evidence that decided it and whether patching is allowed.
#include <catch2/catch.hpp>

#include "core/platform/error_codes.h"
#include "core/platform/host_detection.h"
#include "tests/support/temp_dir.h"

using hotsplice::platform::check_may_patch_kernel;
using hotsplice::platform::describe_evidence;
using hotsplice::platform::detect_host;
using hotsplice::platform::Evidence;
using hotsplice::platform::Environment;
using hotsplice::testing::TempDir;
namespace errc = hotsplice::platform::errc;

namespace {

const std::filesystem::path kOpenvz = std::filesystem::path(HOTSPLICE_FIXTURES) / "openvz";

bool has_evidence(const std::vector<Evidence>& evidence, const Evidence& wanted) {
  for (const auto& item : evidence) {
    if (item == wanted) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("recorded Virtuozzo 7 node: node and hypervisor host, with the files that said so") {
  auto report = detect_host(kOpenvz / "node-vz7");
  REQUIRE(report.environment);
  CHECK(report.environment->kind == Environment::Kind::bare_metal);
  CHECK(report.openvz_node);
  CHECK(report.hypervisor_host);
  CHECK(has_evidence(report.evidence, {"/proc/vz/version", "present: 7.0.18-219.vz7"}));
  CHECK(has_evidence(report.evidence, {"/proc/bc", "present: beancounters of the whole node"}));
  CHECK(has_evidence(report.evidence, {"/proc/user_beancounters", "present: Version: 2.5"}));
  CHECK(has_evidence(report.evidence, {"/dev/kvm", "present"}));
  CHECK(has_evidence(report.evidence,
                     {"/run/libvirt/libvirt-sock", "present: a libvirt daemon's socket"}));
  CHECK(check_may_patch_kernel(report));
}

TEST_CASE("recorded container on a Virtuozzo 7 node: refused, naming the node") {
  auto report = detect_host(kOpenvz / "container-vz7");
  REQUIRE(report.environment);
  CHECK(*report.environment == Environment{Environment::Kind::container, "openvz"});
  CHECK_FALSE(report.openvz_node);
  auto verdict = check_may_patch_kernel(report);
  REQUIRE_FALSE(verdict);
  CHECK(verdict.error().code() == errc::kSharedKernelContainer);
  CHECK(verdict.error().message() ==
        "this agent runs in a shared-kernel container (openvz, container detection: /proc/vz "
        "present without /proc/bc): the host's kernel is patched by the host, not from inside "
        "a container; run hotsplice-hostd on the node");
}

TEST_CASE("hand-made Docker container on a KVM host: the container sign wins") {
  TempDir root;
  root.write(".dockerenv", "");
  root.write("dev/kvm", "");
  auto report = detect_host(root.path());
  REQUIRE(report.environment);
  CHECK(report.environment->technology == "docker");
  CHECK_FALSE(report.hypervisor_host);
  CHECK(check_may_patch_kernel(report).error().code() == errc::kSharedKernelContainer);
}

TEST_CASE("hand-made hypervisor hosts and guests") {
  TempDir root;
  root.write("proc/self/status", "Name:\tcat\n");
  SECTION("Xen dom0: control_d") {
    root.write("proc/xen/capabilities", "control_d\n");
    root.write("sys/hypervisor/type", "xen\n");
    auto report = detect_host(root.path());
    CHECK(report.hypervisor_host);
    CHECK(has_evidence(report.evidence, {"/proc/xen/capabilities", "control_d: Xen dom0"}));
    CHECK(check_may_patch_kernel(report));
  }
  SECTION("Xen guest: /proc/xen without control_d is a VM, not a host") {
    root.write("proc/xen/capabilities", "");
    root.write("sys/hypervisor/type", "xen\n");
    auto report = detect_host(root.path());
    CHECK_FALSE(report.hypervisor_host);
    CHECK(*report.environment == Environment{Environment::Kind::vm, "xen"});
    CHECK(has_evidence(report.evidence, {"/sys/hypervisor/type", "present: xen"}));
  }
  SECTION("KVM guest with nested virtualisation: a VM that is also a host") {
    root.write("sys/class/dmi/id/sys_vendor", "QEMU\n");
    root.write("dev/kvm", "");
    auto report = detect_host(root.path());
    CHECK(*report.environment == Environment{Environment::Kind::vm, "kvm"});
    CHECK(report.hypervisor_host);
    CHECK_FALSE(report.openvz_node);
  }
  SECTION("bare metal with modular libvirt daemons") {
    root.write("run/libvirt/virtqemud-sock", "");
    auto report = detect_host(root.path());
    CHECK(report.environment->kind == Environment::Kind::bare_metal);
    CHECK(report.hypervisor_host);
  }
}

TEST_CASE("hand-made tree without /proc: unknown, never may patch") {
  TempDir root;
  root.write("dev/kvm", "");
  auto report = detect_host(root.path());
  CHECK_FALSE(report.environment);
  auto verdict = check_may_patch_kernel(report);
  REQUIRE_FALSE(verdict);
  CHECK(verdict.error().code() == errc::kEnvironmentUnknown);
  CHECK(verdict.error().message().find("no readable /proc/self/status") != std::string::npos);
  CHECK(describe_evidence({}) == "no evidence");
}
