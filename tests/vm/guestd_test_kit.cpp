#include "tests/vm/guestd_test_kit.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "core/base/file_io.h"
#include "core/bundle/bundle_verifier.h"
#include "core/kernel/kernel_image.h"
#include "tests/support/run_process.h"
#include "tests/vm/agent_guest_image.h"
#include "tests/vm/harness/guest_kernel.h"
#include "tests/vm/harness/kernel_module_build.h"
#include "tests/vm/require_ok.h"

namespace hotsplice::vm {
namespace {

// Kept between runs: a fresh key per run would give a new image (and a cache entry) each time.
Ed25519PrivateKey load_or_create_key(const std::filesystem::path& path) {
  if (auto pem = read_file(path, 64 * 1024)) {
    if (auto key = Ed25519PrivateKey::from_pem(*pem)) return std::move(key).value();
  }
  auto key = require_ok(Ed25519PrivateKey::generate());
  require_ok(write_file_atomically(path, key.to_pem(), 0600));
  return key;
}

}  // namespace

GuestdTestKit& GuestdTestKit::get() {
  static GuestdTestKit kit;
  return kit;
}

GuestdTestKit::GuestdTestKit()
    : key_(load_or_create_key(std::filesystem::path(HOTSPLICE_GUESTD_TEST_STATE) /
                              "guestd-test-key.pem")) {
  auto public_key = work_.write("test.pub", key_.public_key().to_pem());
  newest_ = prepare(test_kernel_releases().at(0), public_key);
  older_ = prepare(test_kernel_releases().at(1), public_key);
}

TestKernel GuestdTestKit::prepare(const std::string& release,
                                  const std::filesystem::path& public_key) {
  TestKernel kernel;
  kernel.release = release;
  kernel.identity = require_ok(read_kernel_image_identity_file("/boot/vmlinuz-" + release));
  auto module_file = require_ok(build_kernel_module(test_module_source("cmdline_livepatch"),
                                                    kCmdlineModule, release, work_ / release));
  kernel.module = require_ok(read_file(module_file, 16 << 20));

  kernel.image = require_ok(build_agent_guest_image(release, public_key));
  return kernel;
}

BundleParts GuestdTestKit::signed_parts(const std::string& id, const std::string& module,
                                        const std::string& module_name, const std::string& replaced,
                                        const std::string& description,
                                        const KernelIdentity& target,
                                        const std::vector<std::string>& cves) const {
  Manifest manifest;
  manifest.id = id;
  manifest.cves = cves;
  manifest.description = description;
  manifest.target = target;
  manifest.replaces = {{"vmlinux", {replaced}}};
  manifest.module.name = module_name;
  manifest.created = "2026-11-21T22:00:00Z";
  return require_ok(make_signed_bundle(manifest, module, key_));
}

BundleParts GuestdTestKit::bundle_parts(const std::string& id, const std::string& module,
                                        const KernelIdentity& target,
                                        const std::vector<std::string>& cves) const {
  return signed_parts(id, module, kCmdlineModule, "cmdline_proc_show",
                      "VM test: /proc/cmdline replaced", target, cves);
}

std::string GuestdTestKit::panic_bundle(const std::string& id, const TestKernel& kernel) {
  std::string& module = panic_modules_[kernel.release];
  if (module.empty()) {
    auto file = require_ok(build_kernel_module(test_module_source("panic_livepatch"), kPanicModule,
                                               kernel.release, work_ / "panic" / kernel.release));
    module = require_ok(read_file(file, 16 << 20));
  }
  return encode_bundle(signed_parts(id, module, kPanicModule, "version_proc_show",
                                    "VM test: version_proc_show panics", kernel.identity, {}));
}

std::string GuestdTestKit::bundle(const std::string& id, const std::string& module,
                                  const KernelIdentity& target,
                                  const std::vector<std::string>& cves) const {
  return encode_bundle(bundle_parts(id, module, target, cves));
}

std::filesystem::path make_state_disk(const std::filesystem::path& path) {
  REQUIRE(
      testing::run_process({"mke2fs", "-q", "-t", "ext4", "-F", path.string(), "16M"}).exit_code ==
      0);
  return path;
}

std::vector<std::string> state_disk_arguments(const std::filesystem::path& disk) {
  return {"-drive", "file=" + disk.string() + ",format=raw,if=virtio"};
}

void panic_through_test_patch(QemuGuest& guest) {
  using namespace std::chrono_literals;
  require_ok(guest.shell().run("(sleep 1; cat /proc/version) >/dev/null 2>&1 &"));
  std::string console;
  for (int i = 0; i < 600 && console.find(kPanicMessage) == std::string::npos; ++i) {
    std::this_thread::sleep_for(100ms);
    auto text = read_file(guest.console_log(), 16 << 20);
    console = text ? *text : std::string();
  }
  INFO(console);
  REQUIRE(console.find(kPanicMessage) != std::string::npos);
}

}  // namespace hotsplice::vm
