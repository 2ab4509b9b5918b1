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

// Runs `hotsplice-build kernel --release <release>` for tests/vm/patches/<diff>: the exact
// source, config and symbol positions of that Debian kernel found by hotsplice-build itself
// (downloads cached in $HOTSPLICE_CACHE or /var/cache/hotsplice; tree cache:
// $HOTSPLICE_KERNEL_CACHE or /var/tmp/hotsplice-kernel-cache), builds the module `name`,
// prints the wall time, and returns the module's path. extra_arguments go to
// hotsplice-build as they are.
std::filesystem::path build_kernel_patch(const std::string& diff, const std::string& name,
                                         const std::string& release,
                                         const std::filesystem::path& output,
                                         const std::vector<std::string>& extra_arguments = {});

// The symbol positions hotsplice-build read from the release's image (a /proc/kallsyms
// format file in its cache), for `hotsplice-build patch --kallsyms`.
std::filesystem::path image_kallsyms(const std::string& release);

// Checks the symbols hotsplice-build decoded from the release's image against the running
// guest's /proc/kallsyms: the same vmlinux names, types and order (the order sympos counts
// in), every kernel address moved by one KASLR offset. Also saves the guest's text as
// /var/cache/hotsplice-kallsyms/<build-id>.txt for target_kernel_tests.
void check_image_symbols_against_guest(const std::string& release, GuestShell& shell);

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
