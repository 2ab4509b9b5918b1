// Platform detection against hand-made trees: each test writes only the files the case
// needs (what an OpenVZ node, an OpenVZ container, an LXC or Docker container and a KVM
// guest show under /proc and /sys), named after the situation they imitate.
#include <catch2/catch.hpp>

#include "core/platform/container_detection.h"
#include "tests/support/temp_dir.h"

using hotsplice::detect_platform;
using hotsplice::platform::is_shared_kernel_container;
using hotsplice::platform::Environment;
using hotsplice::testing::TempDir;

TEST_CASE("hand-made OpenVZ container: /proc/vz without /proc/bc") {
  TempDir root;
  root.write("proc/vz/veinfo", "");
  auto report = detect_platform(root.path());
  CHECK(report.environment == Environment{Environment::Kind::container, "openvz"});
  CHECK(is_shared_kernel_container(report.environment));
}

TEST_CASE("hand-made OpenVZ node: /proc/vz with /proc/bc is not a container") {
  TempDir root;
  root.write("proc/vz/veinfo", "");
  root.write("proc/bc/0/resources", "");
  root.write("proc/self/status", "Name:\tcat\nenvID:\t0\n");
  CHECK(detect_platform(root.path()).environment.kind == Environment::Kind::bare_metal);
}

TEST_CASE("hand-made Virtuozzo container seen through envID") {
  TempDir root;
  root.write("proc/self/status", "Name:\tcat\nState:\tR (running)\nenvID:\t101\nVPid:\t1\n");
  auto report = detect_platform(root.path());
  CHECK(report.environment == Environment{Environment::Kind::container, "openvz"});
  CHECK(report.evidence.find("101") != std::string::npos);
}

TEST_CASE("hand-made LXC, nspawn and docker containers") {
  TempDir root;
  SECTION("container= in PID 1's environment") {
    root.write("proc/1/environ", std::string("PATH=/bin\0container=lxc\0HOME=/\0", 31));
    CHECK(detect_platform(root.path()).environment ==
          Environment{Environment::Kind::container, "lxc"});
  }
  SECTION("a container= value that is not a token is still a container") {
    root.write("proc/1/environ", std::string("container=Bad Value!\0", 21));
    CHECK(detect_platform(root.path()).environment ==
          Environment{Environment::Kind::container, ""});
  }
  SECTION("/.dockerenv") {
    root.write(".dockerenv", "");
    CHECK(detect_platform(root.path()).environment.technology == "docker");
  }
  SECTION("/run/.containerenv") {
    root.write("run/.containerenv", "");
    CHECK(detect_platform(root.path()).environment.technology == "podman");
  }
  SECTION("cgroup v1 path") {
    root.write("proc/1/cgroup", "12:pids:/docker/0123abcd\n");
    CHECK(detect_platform(root.path()).environment ==
          Environment{Environment::Kind::container, "docker"});
  }
}

TEST_CASE("hand-made KVM guest and bare metal") {
  TempDir root;
  SECTION("QEMU in DMI") {
    root.write("sys/class/dmi/id/sys_vendor", "QEMU\n");
    CHECK(detect_platform(root.path()).environment == Environment{Environment::Kind::vm, "kvm"});
  }
  SECTION("hypervisor CPU flag only") {
    root.write("proc/cpuinfo", "flags\t\t: fpu vme hypervisor lahf_lm\n");
    CHECK(detect_platform(root.path()).environment == Environment{Environment::Kind::vm, ""});
  }
  SECTION("nothing") {
    CHECK(detect_platform(root.path()).environment.kind == Environment::Kind::bare_metal);
  }
}
