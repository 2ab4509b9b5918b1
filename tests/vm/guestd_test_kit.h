// What the guest agent's VM tests share, built once per test process: the signing key (kept
// in the build tree so the guest image, which carries its public half, stays cached), the
// guest image with the static agent, the test livepatch module built against each test
// kernel, the kernels' identities read from their images, and signed bundles.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "core/bundle/bundle_file.h"
#include "core/crypto/ed25519.h"
#include "core/kernel/kernel_identity.h"
#include "tests/support/temp_dir.h"
#include "tests/vm/harness/guest_image.h"
#include "tests/vm/harness/qemu_guest.h"

namespace hotsplice::vm {

inline constexpr const char* kCmdlineModule = "hotsplice_test_cmdline";
inline constexpr const char* kPatchedCmdline = "hotsplice-test-livepatch\n";
// tests/vm/modules/panic_livepatch: its version_proc_show panics (reading /proc/version).
inline constexpr const char* kPanicModule = "hotsplice_test_panic";
inline constexpr const char* kPanicMessage =
    "hotsplice-test-panic: the replaced version_proc_show was called";

struct TestKernel {
  std::string release;
  KernelIdentity identity;
  std::string module;  // the cmdline livepatch built against this kernel's headers
  GuestImage image;    // agent started at boot, state on /dev/vda when a disk is attached
};

class GuestdTestKit {
 public:
  static GuestdTestKit& get();

  const TestKernel& newest() const { return newest_; }
  const TestKernel& older() const { return older_; }
  const Ed25519PrivateKey& key() const { return key_; }
  const std::filesystem::path& work_dir() const { return work_.path(); }

  // Bundle parts for module with a manifest naming id and target, signed with key().
  // cves: what the manifest says the bundle fixes (none by default).
  BundleParts bundle_parts(const std::string& id, const std::string& module,
                           const KernelIdentity& target,
                           const std::vector<std::string>& cves = {}) const;
  std::string bundle(const std::string& id, const std::string& module, const KernelIdentity& target,
                     const std::vector<std::string>& cves = {}) const;
  // A signed bundle of the panicking livepatch for kernel (the module is built against its
  // headers on first use: only the crash-loop tests pay for it).
  std::string panic_bundle(const std::string& id, const TestKernel& kernel);

 private:
  GuestdTestKit();
  TestKernel prepare(const std::string& release, const std::filesystem::path& public_key);
  BundleParts signed_parts(const std::string& id, const std::string& module,
                           const std::string& module_name, const std::string& replaced,
                           const std::string& description, const KernelIdentity& target,
                           const std::vector<std::string>& cves) const;

  testing::TempDir work_;
  Ed25519PrivateKey key_;
  TestKernel newest_;
  TestKernel older_;
  std::map<std::string, std::string> panic_modules_;  // by kernel release
};

// The crash-loop tests' pieces (guestd in a VM, hostd on the node): a state disk that
// outlives a guest, and the panic of the panicking livepatch.
//
// An empty ext4 image of 16 MiB at path, to be attached as /dev/vda: what the agent made
// durable there (fsync) is what a panic leaves for the next boot.
std::filesystem::path make_state_disk(const std::filesystem::path& path);
// QEMU's arguments attaching disk as /dev/vda.
std::vector<std::string> state_disk_arguments(const std::filesystem::path& disk);
// With tests/vm/modules/panic_livepatch live in guest: reads /proc/version in the background
// (the replaced function panics) and waits up to 60 s for kPanicMessage on the console
// (REQUIREd, with the console shown on failure). QEMU exits after it (-no-reboot).
void panic_through_test_patch(QemuGuest& guest);

}  // namespace hotsplice::vm
