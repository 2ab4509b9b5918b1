#include <fcntl.h>
#include <time.h>

#include <catch2/catch.hpp>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <thread>

#include "core/base/file_io.h"
#include "core/kernel/tests/fixture_paths.h"
#include "core/livepatch/livepatch_control.h"
#include "tests/support/temp_dir.h"

using hotsplice::LinuxModuleSyscalls;
using hotsplice::LivepatchControl;
using hotsplice::testing::kernel_fixture;
using hotsplice::testing::TempDir;
using namespace std::chrono_literals;

namespace {

// Stands in for the kernel only for answers this machine cannot produce (a real EEXIST needs
// a module that is really loaded); records what it was asked.
class FakeModuleSyscallsAnswering final : public hotsplice::ModuleSyscalls {
 public:
  explicit FakeModuleSyscallsAnswering(int answer) : answer_(answer) {}
  int finit_module(int fd, const std::string& params, int flags) override {
    fd_was_open = ::fcntl(fd, F_GETFD) != -1;
    last_params = params;
    last_flags = flags;
    return answer_;
  }
  int delete_module(const std::string& name, int flags) override {
    last_name = name;
    last_flags = flags;
    return answer_;
  }
  bool fd_was_open = false;
  std::string last_params;
  std::string last_name;
  int last_flags = -1;

 private:
  int answer_;
};

// Stands in for the kernel's release of a disabled patch's module a moment after the
// transition: the first `busy_answers` delete_module calls answer EWOULDBLOCK.
class FakeModuleReleasedLate final : public hotsplice::ModuleSyscalls {
 public:
  explicit FakeModuleReleasedLate(int busy_answers) : busy_answers_(busy_answers) {}
  int finit_module(int, const std::string&, int) override { return ENOSYS; }
  int delete_module(const std::string&, int) override {
    ++calls;
    return calls <= busy_answers_ ? EWOULDBLOCK : 0;
  }
  int calls = 0;

 private:
  int busy_answers_;
};

const std::filesystem::path kPatchDir = "sys/kernel/livepatch/livepatch_test";

void write_patch(const TempDir& root, const char* enabled, const char* transition) {
  root.write((kPatchDir / "enabled").string(), enabled);
  root.write((kPatchDir / "transition").string(), transition);
  root.write((kPatchDir / "signal").string(), "");
}

double thread_cpu_seconds() {
  timespec now{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

std::string content_of(const std::filesystem::path& path) {
  auto content = hotsplice::read_file(path, 64);
  return content ? *content : "<" + content.error().message() + ">";
}

}  // namespace

TEST_CASE("wait_for_transition returns once the kernel clears transition") {
  TempDir root;
  write_patch(root, "1\n", "1\n");
  LinuxModuleSyscalls syscalls;
  LivepatchControl control(root.path(), syscalls, 20ms);
  std::thread kernel([&] {
    std::this_thread::sleep_for(300ms);
    root.write((kPatchDir / "transition").string(), "0\n");
  });
  auto started = std::chrono::steady_clock::now();
  auto waited = control.wait_for_transition("livepatch_test", 10s);
  auto elapsed = std::chrono::steady_clock::now() - started;
  kernel.join();
  REQUIRE(waited);
  CHECK(elapsed >= 250ms);
  CHECK(elapsed < 5s);
}

TEST_CASE("a stalled transition names the blocking tasks, their comm and stack") {
  LinuxModuleSyscalls syscalls;
  LivepatchControl control(kernel_fixture("handmade-transition-stalled"), syscalls, 50ms);
  auto started = std::chrono::steady_clock::now();
  double cpu_before = thread_cpu_seconds();
  auto waited = control.wait_for_transition("livepatch_stuck", 600ms);
  double cpu_used = thread_cpu_seconds() - cpu_before;
  auto elapsed = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(waited);
  CHECK(waited.error().code() == "transition_stalled");
  const std::string& message = waited.error().message();
  INFO(message);
  CHECK_THAT(message, Catch::StartsWith("livepatch livepatch_stuck: transition to patched not "
                                        "complete after 600 ms; 2 task(s) still blocking it"));
  CHECK_THAT(message, Catch::Contains("pid 77 tid 77 (kworker/u4:2) patch_state 0;"));
  CHECK_THAT(message, Catch::Contains("pid 1234 tid 1234 (pipe_reader) patch_state 0 at "
                                      "pipe_read+0x32c/0x460 <- vfs_read+0x2f4/0x320"));
  CHECK_THAT(message, !Catch::Contains("tid 1235"));  // already patched
  CHECK(elapsed >= 600ms);
  // Sleeping between polls, not spinning: a busy loop would burn the whole 600 ms.
  CHECK(cpu_used < 0.2);
}

TEST_CASE("blocking_tasks and state_of describe a patch in transition") {
  LinuxModuleSyscalls syscalls;
  LivepatchControl control(kernel_fixture("handmade-transition-stalled"), syscalls);
  auto tasks = control.blocking_tasks("livepatch_stuck");
  REQUIRE(tasks);
  CHECK(tasks->size() == 2);
  auto state = control.state_of("livepatch_stuck");
  REQUIRE(state);
  CHECK(state->transition);
  CHECK(*control.is_enabled("livepatch_stuck"));
}

TEST_CASE("waiting for a patch that does not exist is an error, not success") {
  TempDir root;
  LinuxModuleSyscalls syscalls;
  LivepatchControl control(root.path(), syscalls, 10ms);
  auto waited = control.wait_for_transition("livepatch_absent", 100ms);
  REQUIRE_FALSE(waited);
  CHECK(waited.error().code() == "livepatch_not_found");
  CHECK_THAT(waited.error().message(), Catch::Contains("sys/kernel/livepatch/livepatch_absent"));
  auto enabled = control.is_enabled("livepatch_absent");
  REQUIRE_FALSE(enabled);
  CHECK(enabled.error().code() == "livepatch_not_found");
}

TEST_CASE("disable writes 0 to enabled and waits until the kernel frees the patch") {
  TempDir root;
  write_patch(root, "1\n", "0\n");
  LinuxModuleSyscalls syscalls;
  LivepatchControl control(root.path(), syscalls, 20ms);
  std::atomic<bool> saw_disable = false;
  std::thread kernel([&] {
    // Plays the kernel: on "0" in enabled, start the reverse transition, then free the patch.
    auto give_up = std::chrono::steady_clock::now() + 5s;
    while (content_of(root / kPatchDir.string() / "enabled") != "0" &&
           std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(5ms);
    }
    saw_disable = true;
    root.write((kPatchDir / "transition").string(), "1\n");
    std::this_thread::sleep_for(150ms);
    std::filesystem::remove_all(root / kPatchDir.string());
  });
  auto disabled = control.disable("livepatch_test", 10s);
  kernel.join();
  REQUIRE(disabled);
  CHECK(saw_disable);
  CHECK_FALSE(std::filesystem::exists(root / kPatchDir.string()));
}

TEST_CASE("disable and signal name the sysfs file they could not write") {
  TempDir root;
  LinuxModuleSyscalls syscalls;
  LivepatchControl control(root.path(), syscalls);
  auto disabled = control.disable("livepatch_absent", 1s);
  REQUIRE_FALSE(disabled);
  CHECK_THAT(disabled.error().message(),
             Catch::StartsWith("disabling livepatch livepatch_absent: open ") &&
                 Catch::Contains("livepatch_absent/enabled: No such file or directory"));
  auto signalled = control.signal_blocking_tasks("livepatch_absent");
  REQUIRE_FALSE(signalled);
  CHECK_THAT(signalled.error().message(), Catch::Contains("livepatch_absent/signal"));
}

TEST_CASE("signal_blocking_tasks writes 1 to signal and never touches force") {
  TempDir root;
  write_patch(root, "1\n", "1\n");
  root.write((kPatchDir / "force").string(), "");
  LinuxModuleSyscalls syscalls;
  LivepatchControl control(root.path(), syscalls);
  REQUIRE(control.signal_blocking_tasks("livepatch_test"));
  CHECK(content_of(root / kPatchDir.string() / "signal") == "1");
  CHECK(content_of(root / kPatchDir.string() / "force").empty());
}

TEST_CASE("loading a garbage file through the real finit_module names the call, path and errno") {
  TempDir dir;
  auto garbage = dir.write("garbage.ko", "definitely not a kernel module\n");
  LinuxModuleSyscalls syscalls;
  LivepatchControl control("/", syscalls);
  auto loaded = control.load(garbage, "");
  REQUIRE_FALSE(loaded);
  const std::string& message = loaded.error().message();
  INFO(message);
  // The answer depends on the machine: ENOSYS from a kernel without CONFIG_MODULES (the
  // build host's), EPERM without CAP_SYS_MODULE, ENOEXEC when the kernel reads the bytes.
  CHECK_THAT(message, Catch::StartsWith("finit_module " + garbage.string() + ": "));
  CHECK_THAT(message, Catch::Contains("Function not implemented") ||
                          Catch::Contains("Operation not permitted") ||
                          Catch::Contains("Exec format error"));
  CHECK((loaded.error().code() == "modules_unsupported" ||
         loaded.error().code() == "permission_denied" ||
         loaded.error().code() == "module_rejected"));
}

TEST_CASE("loading a file that does not exist fails before the syscall") {
  FakeModuleSyscallsAnswering fake_kernel(0);
  LivepatchControl control("/", fake_kernel);
  auto loaded = control.load("/nonexistent/hotsplice.ko");
  REQUIRE_FALSE(loaded);
  CHECK(loaded.error().message() == "open /nonexistent/hotsplice.ko: No such file or directory");
  CHECK(fake_kernel.last_flags == -1);
}

TEST_CASE("unloading a module that is not loaded through the real delete_module") {
  LinuxModuleSyscalls syscalls;
  LivepatchControl control("/", syscalls);
  auto unloaded = control.unload("hotsplice_no_such_module");
  REQUIRE_FALSE(unloaded);
  const std::string& message = unloaded.error().message();
  INFO(message);
  CHECK_THAT(message, Catch::StartsWith("delete_module hotsplice_no_such_module: "));
  CHECK_THAT(message, Catch::Contains("No such file or directory") ||
                          Catch::Contains("Function not implemented") ||
                          Catch::Contains("Operation not permitted"));
  CHECK((unloaded.error().code() == "module_not_loaded" ||
         unloaded.error().code() == "modules_unsupported" ||
         unloaded.error().code() == "permission_denied"));
}

TEST_CASE("a fake kernel answering EEXIST gives module_already_loaded") {
  TempDir dir;
  auto module = dir.write("livepatch_x.ko", "bytes");
  FakeModuleSyscallsAnswering fake_kernel(EEXIST);
  LivepatchControl control("/", fake_kernel);
  auto loaded = control.load(module, "debug=1");
  REQUIRE_FALSE(loaded);
  CHECK(loaded.error().code() == "module_already_loaded");
  CHECK(loaded.error().message() == "finit_module " + module.string() +
                                        ": File exists (a module with this name is already "
                                        "loaded)");
  CHECK(fake_kernel.fd_was_open);
  CHECK(fake_kernel.last_params == "debug=1");
  CHECK(fake_kernel.last_flags == 0);
}

TEST_CASE("unload never waits: it passes O_NONBLOCK and reports a busy module") {
  FakeModuleSyscallsAnswering fake_kernel(EWOULDBLOCK);
  LivepatchControl control("/", fake_kernel);
  auto unloaded = control.unload("livepatch_x");
  REQUIRE_FALSE(unloaded);
  CHECK(unloaded.error().code() == "module_busy");
  CHECK(fake_kernel.last_name == "livepatch_x");
  CHECK(fake_kernel.last_flags == O_NONBLOCK);
  auto refused = control.unload("../evil");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == "invalid_name");
}

TEST_CASE("unload_released retries a module the kernel has not released yet") {
  FakeModuleReleasedLate fake_kernel(2);
  LivepatchControl control("/", fake_kernel, std::chrono::milliseconds(1));
  CHECK(control.unload_released("livepatch_x", std::chrono::seconds(5)));
  CHECK(fake_kernel.calls == 3);
}

TEST_CASE("unload_released gives up on a module still busy when the settle time is over") {
  FakeModuleReleasedLate fake_kernel(1000000);
  LivepatchControl control("/", fake_kernel, std::chrono::milliseconds(1));
  auto unloaded = control.unload_released("livepatch_x", std::chrono::milliseconds(20));
  REQUIRE_FALSE(unloaded);
  CHECK(unloaded.error().code() == "module_busy");
  CHECK(fake_kernel.calls > 1);
}
