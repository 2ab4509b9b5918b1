// Helpers of the hotsplice-build VM tests (issue 6): run the hotsplice-build binary,
// capture a test kernel's /proc/kallsyms (cached per kernel build-id: the symbol order
// of one build never changes), and load / unload live patches in a guest.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "tests/vm/harness/guest_shell.h"

namespace hotsplice::vm {

// Runs hotsplice-build with the arguments; the test fails with its output unless it exits 0.
std::string run_hotsplice_build(const std::vector<std::string>& arguments);

// Runs `hotsplice-build kernel` for tests/vm/patches/<diff> against Debian's
// linux-source-6.1 and the release's config (tree cache: $HOTSPLICE_KERNEL_CACHE or
// /var/tmp/hotsplice-kernel-cache), builds the module `name`, prints the wall time, and
// returns the module's path. extra_arguments go to hotsplice-build as they are.
std::filesystem::path build_kernel_patch(const std::string& diff, const std::string& name,
                                         const std::string& release,
                                         const std::filesystem::path& kallsyms,
                                         const std::filesystem::path& output,
                                         const std::vector<std::string>& extra_arguments = {});

// /proc/kallsyms of the guest's kernel, stored in a cache file named by the build-id of
// /boot/vmlinuz-<release>. Reads it from the guest the first time.
std::filesystem::path kallsyms_of(const std::string& release, GuestShell& shell);

// A shell condition loop: waits (bounded, inside the guest) until `condition` holds.
std::string wait_in_guest(const std::string& condition);

// insmod, then wait for the transition to finish; fails the test otherwise.
void load_live_patch(GuestShell& shell, const std::filesystem::path& module,
                     const std::string& name);
// Disables the patch, waits until it is gone from sysfs, and removes the module.
void unload_live_patch(GuestShell& shell, const std::string& name);

// Copies a module source directory and applies a unified diff (-p1) to the copy.
std::filesystem::path patched_copy(const std::filesystem::path& source,
                                   const std::filesystem::path& diff,
                                   const std::filesystem::path& destination);

// tests/vm/patches/<name>
std::filesystem::path test_patch(const std::string& name);

}  // namespace hotsplice::vm
