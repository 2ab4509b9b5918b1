// What the apply component's and the guest agent's unit tests share: a fake kernel and real
// (gcc-compiled) module objects signed into bundles. FakeKernel stands in for
// finit_module/delete_module and for the kernel's side of /sys/kernel/livepatch under a temporary
// root, because a unit test cannot load modules; the real kernel is exercised by the VM tests
// (tests/vm).
#pragma once

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

#include "core/base/file_io.h"
#include "core/base/log.h"
#include "core/bundle/bundle_file.h"
#include "core/bundle/bundle_verifier.h"
#include "core/crypto/ed25519.h"
#include "core/kernel/kernel_identity.h"
#include "core/livepatch/module_syscalls.h"
#include "tests/support/run_process.h"
#include "tests/support/temp_dir.h"

namespace hotsplice::testing {

using namespace std::chrono_literals;

inline constexpr const char* kModule = "fake_livepatch";

// What the unit tests log goes to stderr, where Catch2 shows it next to a failure.
inline const Logger& test_log() {
  static const Logger log("hotsplice-test", LogLevel::info, 2, Logger::Format::plain);
  return log;
}

// A fake kernel: "loads" a module by creating its /sys/kernel/livepatch directory, and
// completes (or, when told to stall, never completes) transitions from a thread, as the
// kernel's workqueue would.
class FakeKernel final : public ModuleSyscalls {
 public:
  // Also writes what the crash-loop guard reads under root: a boot id, an untainted
  // /proc/sys/kernel/tainted and an empty kernel log (a regular file standing for
  // /dev/kmsg; lines appended to it are what the kernel "logs").
  explicit FakeKernel(std::filesystem::path root) : root_(std::move(root)) {
    reboot();
    (void)write_file_atomically(root_ / "proc/sys/kernel/tainted", "0\n");
    (void)ensure_directory(root_ / "dev");
    (void)write_file_atomically(root_ / "dev/kmsg", "");
    worker_ = std::thread([this] { run(); });
  }
  // A new boot: another boot id (the patches' sysfs state is the caller's business).
  void reboot() {
    static int boots = 0;
    (void)ensure_directory(root_ / "proc/sys/kernel/random");
    (void)write_file_atomically(
        root_ / "proc/sys/kernel/random/boot_id",
        "6f1e2d3c-0000-4000-8000-" + std::to_string(100000000000 + ++boots) + "\n");
  }
  // What a panic leaves of the running kernel: no livepatch in sysfs, nothing loaded. Under
  // the worker's lock, so its transition writes cannot race the removal.
  void lose_power() {
    std::lock_guard lock(mutex_);
    std::filesystem::remove_all(root_ / "sys/kernel/livepatch");
    loaded = false;
  }
  void set_taint(unsigned long mask) {
    (void)write_file_atomically(root_ / "proc/sys/kernel/tainted", std::to_string(mask) + "\n");
  }
  // Appends one /dev/kmsg-style record ("<prio>,<seq>,<usec>,-;<text>").
  void log_kernel(const std::string& text) {
    std::string line = "4,1,1,-;" + text + "\n";
    FILE* file = std::fopen((root_ / "dev/kmsg").c_str(), "a");
    REQUIRE(file != nullptr);
    std::fputs(line.c_str(), file);
    std::fclose(file);
  }
  ~FakeKernel() override {
    stop_ = true;
    worker_.join();
  }
  int finit_module(int, const std::string&, int) override {
    if (refuse_errno != 0) return refuse_errno;
    std::lock_guard lock(mutex_);
    auto dir = patch_dir();
    (void)ensure_directory(dir / "vmlinux/cmdline_proc_show,1");
    (void)write_file_atomically(dir / "enabled", "1\n");
    (void)write_file_atomically(dir / "transition", "1\n");
    (void)write_file_atomically(dir / "signal", "");
    loaded = true;
    return 0;
  }
  int delete_module(const std::string&, int) override {
    if (!loaded) return ENOENT;
    // As in the kernel, the livepatch holds its module until the patch is freed (its sysfs
    // directory gone, some time after a disable's transition ended): until then, busy.
    {
      std::lock_guard lock(mutex_);
      if (std::filesystem::exists(patch_dir())) return EWOULDBLOCK;
    }
    loaded = false;
    ++unloads;
    return 0;
  }
  std::atomic<bool> stall{false};
  std::atomic<int> refuse_errno{0};
  std::atomic<bool> loaded{false};
  std::atomic<int> unloads{0};

 private:
  std::filesystem::path patch_dir() const { return root_ / "sys/kernel/livepatch" / kModule; }
  void run() {
    while (!stop_) {
      std::this_thread::sleep_for(5ms);
      std::lock_guard lock(mutex_);
      auto enabled = read_file(patch_dir() / "enabled", 16);
      if (!enabled) continue;
      if (enabled->front() == '0') {
        std::filesystem::remove_all(patch_dir());  // a disabled patch goes away
      } else if (!stall) {
        // Ends the transition once, as the kernel does: rewriting the file every 5 ms left a
        // reader of the patch's directory racing a rename that no real kernel makes.
        auto transition = read_file(patch_dir() / "transition", 16);
        if (transition && transition->front() != '0')
          (void)write_file_atomically(patch_dir() / "transition", "0\n");
      }
    }
  }
  std::filesystem::path root_;
  std::mutex mutex_;
  std::atomic<bool> stop_{false};
  std::thread worker_;
};

// A relocatable object whose .modinfo says what a livepatch module's does: enough for
// read_module_info, which is all the agent asks of the file before the (fake) kernel.
// padding_bytes: a data array of that size, for tests that need a bundle spanning many
// chunks.
inline std::string compile_module(const TempDir& dir, bool livepatch,
                                  std::size_t padding_bytes = 0) {
  std::string modinfo = std::string("name=") + kModule + (livepatch ? "\\0livepatch=Y" : "");
  std::string padding = padding_bytes == 0 ? std::string()
                                           : "__attribute__((used)) static const char padding[" +
                                                 std::to_string(padding_bytes) + "] = {1};\n";
  auto source = dir.write("module.c",
                          "__attribute__((section(\".modinfo\"), used, aligned(1))) "
                          "static const char info[] = \"" +
                              modinfo + "\";\n" + padding);
  auto object = dir / "module.o";
  auto built = run_process({"gcc", "-c", "-o", object.string(), source.string()});
  REQUIRE(built.exit_code == 0);
  return *read_file(object, 1 << 20);
}

inline const KernelIdentity kRunning{"6.1.0-56-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1",
                                     "4fa2b0e9c0a1d2e3f40516273849aabbccddeeff"};

inline std::string make_bundle(const std::string& module, const Ed25519PrivateKey& key,
                               KernelIdentity target = kRunning, std::string id = "hs-test-0001") {
  Manifest manifest;
  manifest.id = std::move(id);
  manifest.description = "test bundle";
  manifest.target = std::move(target);
  manifest.replaces = {{"vmlinux", {"cmdline_proc_show"}}};
  manifest.module.name = kModule;
  manifest.created = "2026-11-21T21:00:00Z";
  auto parts = make_signed_bundle(manifest, module, key);
  REQUIRE(parts);
  return encode_bundle(*parts);
}

}  // namespace hotsplice::testing
