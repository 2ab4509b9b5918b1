#include "tests/vm/live_patch_support.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>

#include "core/base/file_io.h"
#include "core/kernel/kernel_image.h"
#include "tests/support/run_process.h"
#include "tests/vm/require_ok.h"

namespace hotsplice::vm {

namespace fs = std::filesystem;

std::string run_hotsplice_build(const std::vector<std::string>& arguments) {
  std::vector<std::string> argv{HOTSPLICE_BUILD_TOOL};
  argv.insert(argv.end(), arguments.begin(), arguments.end());
  const auto result = hotsplice::testing::run_process(argv);
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  return result.output;
}

namespace {

std::string kernel_cache() {
  const char* configured = std::getenv("HOTSPLICE_KERNEL_CACHE");
  return configured && *configured ? configured : "/var/tmp/hotsplice-kernel-cache";
}

}  // namespace

fs::path build_kernel_patch(const std::string& diff, const std::string& name,
                            const std::string& release, const fs::path& kallsyms,
                            const fs::path& output,
                            const std::vector<std::string>& extra_arguments) {
  std::vector<std::string> arguments{"kernel",
                                     "--source",
                                     "/usr/src/linux-source-6.1.tar.xz",
                                     "--config",
                                     "/boot/config-" + release,
                                     "--patch",
                                     test_patch(diff).string(),
                                     "--output",
                                     output.string(),
                                     "--cache",
                                     kernel_cache(),
                                     "--jobs",
                                     "2",
                                     "--name",
                                     name,
                                     "--release",
                                     release,
                                     "--kallsyms",
                                     kallsyms.string()};
  arguments.insert(arguments.end(), extra_arguments.begin(), extra_arguments.end());
  const auto started = std::chrono::steady_clock::now();
  run_hotsplice_build(arguments);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "hotsplice-build kernel " << diff << " -> " << name << ": " << seconds
            << " s wall\n";
  return output / "module" / (name + ".ko");
}

fs::path kallsyms_of(const std::string& release, GuestShell& shell) {
  const auto identity = require_ok(read_kernel_image_identity_file("/boot/vmlinuz-" + release));
  const char* cache_home = std::getenv("XDG_CACHE_HOME");
  const fs::path cache =
      fs::path(cache_home && *cache_home ? cache_home : "/var/cache") / "hotsplice-kallsyms";
  const fs::path file = cache / (identity.build_id + ".txt");
  if (fs::exists(file)) return file;
  const std::string text = require_ok(shell.check_output("cat /proc/kallsyms"));
  REQUIRE(text.find(" t cmdline_proc_show\n") != std::string::npos);
  fs::create_directories(cache);
  require_ok(write_file_atomically(file, text));
  return file;
}

std::string wait_in_guest(const std::string& condition) {
  return "i=0; until " + condition +
         "; do i=$((i+1)); [ $i -gt 400 ] && exit 1; usleep 50000; done";
}

void load_live_patch(GuestShell& shell, const fs::path& module, const std::string& name) {
  const std::string bytes = require_ok(read_file(module, 64 << 20));
  const std::string guest_path = "/tmp/" + name + ".ko";
  require_ok(shell.write_file(guest_path, bytes));
  const auto loaded = require_ok(shell.run("insmod " + guest_path));
  INFO("insmod: " << loaded.out << loaded.err << "\ndmesg:\n"
                  << require_ok(shell.run("dmesg | tail -20")).out);
  REQUIRE(loaded.exit_code == 0);
  const std::string sysfs = "/sys/kernel/livepatch/" + name;
  require_ok(shell.check_output(wait_in_guest("[ \"$(cat " + sysfs + "/transition)\" = 0 ]")));
  REQUIRE(require_ok(shell.check_output("cat " + sysfs + "/enabled")) == "1\n");
}

void unload_live_patch(GuestShell& shell, const std::string& name) {
  const std::string sysfs = "/sys/kernel/livepatch/" + name;
  require_ok(shell.check_output("echo 0 > " + sysfs + "/enabled"));
  require_ok(shell.check_output(wait_in_guest("[ ! -e " + sysfs + " ]")));
  require_ok(shell.check_output("rmmod " + name));
}

fs::path patched_copy(const fs::path& source, const fs::path& diff, const fs::path& destination) {
  fs::create_directories(destination);
  fs::copy(source, destination, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  const auto result = hotsplice::testing::run_process(
      {"patch", "-p1", "-d", destination.string(), "-i", diff.string()});
  INFO(result.output);
  REQUIRE(result.exit_code == 0);
  return destination;
}

fs::path test_patch(const std::string& name) {
  return fs::path(HOTSPLICE_VM_PATCHES_DIR) / name;
}

}  // namespace hotsplice::vm
