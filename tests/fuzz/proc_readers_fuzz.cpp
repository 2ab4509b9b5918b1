// libFuzzer target: the readers of /proc and /sys: the kernel identity (osrelease, version,
// the build-id notes), platform and host detection (status, environ, cgroup, cpuinfo, DMI,
// Xen, OpenVZ files), the livepatch sysfs state and the blocking-task scan. In a container
// or a hostile guest these files can say anything. The input is a tree: the contents of the
// files below, in this order, separated by "\n--8<--\n" lines (an empty part leaves the file
// out). Anything may be refused with a named error; nothing may crash, hang or allocate
// without bound, and what is accepted holds the readers' bounds.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/kernel/kernel_identity.h"
#include "core/kernel/kernel_identity_reader.h"
#include "core/livepatch/blocking_tasks.h"
#include "core/livepatch/livepatch_state.h"
#include "core/platform/container_detection.h"
#include "core/platform/host_detection.h"
#include "tests/fuzz/support/scratch_tree.h"

namespace {

constexpr std::array<std::string_view, 20> kFiles = {
    "proc/sys/kernel/osrelease",
    "proc/sys/kernel/version",
    "sys/kernel/notes",
    "proc/self/status",
    "proc/1/environ",
    "proc/1/cgroup",
    "proc/cpuinfo",
    "sys/class/dmi/id/sys_vendor",
    "sys/class/dmi/id/product_name",
    "sys/hypervisor/type",
    "proc/xen/capabilities",
    "proc/vz/version",
    "proc/bc/0/resources",
    "sys/kernel/livepatch/fuzz_patch/enabled",
    "sys/kernel/livepatch/fuzz_patch/transition",
    "sys/kernel/livepatch/fuzz_patch/replace",
    "sys/kernel/livepatch/fuzz_patch/vmlinux/patched",
    "proc/42/task/43/patch_state",
    "proc/42/task/43/comm",
    "proc/42/task/43/stack",
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& root = hotsplice::fuzzing::fresh_scratch_dir();
  hotsplice::fuzzing::write_scratch_parts(
      root, std::string_view(reinterpret_cast<const char*>(data), size), kFiles);

  auto identity = hotsplice::read_kernel_identity(root);
  if (identity) {
    if (identity->release.empty() || identity->release.size() > hotsplice::kMaxReleaseLength ||
        identity->version.size() > hotsplice::kMaxVersionLength || identity->build_id.empty() ||
        identity->build_id.size() > hotsplice::kMaxBuildIdLength ||
        identity->release.find('/') != std::string::npos) {
      __builtin_trap();
    }
  } else if (identity.error().message().empty()) {
    std::abort();
  }

  (void)hotsplice::detect_platform(root);
  auto host = hotsplice::platform::detect_host(root);
  (void)hotsplice::platform::describe_evidence(host.evidence);
  (void)hotsplice::platform::check_may_patch_kernel(host);

  auto patches = hotsplice::list_livepatches(root);
  if (!patches && patches.error().message().empty()) std::abort();
  auto tasks = hotsplice::find_blocking_tasks(root, 1);
  if (tasks) {
    for (const auto& task : *tasks) {
      if (task.patch_state == 1 || task.stack_top.size() > hotsplice::kStackFramesKept) {
        __builtin_trap();
      }
      (void)hotsplice::describe(task);
    }
  }
  return 0;
}
