#include "tests/vm/live_patch_support.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <set>
#include <sstream>

#include "core/base/file_io.h"
#include "core/kernel/kernel_image.h"
#include "kmod/target_kernel/kernel_inputs.h"
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
                            const std::string& release, const fs::path& output,
                            const std::vector<std::string>& extra_arguments) {
  std::vector<std::string> arguments{
      "kernel",   "--release",     release,   "--patch",      test_patch(diff).string(),
      "--output", output.string(), "--cache", kernel_cache(), "--jobs",
      "2",        "--name",        name};
  arguments.insert(arguments.end(), extra_arguments.begin(), extra_arguments.end());
  const auto started = std::chrono::steady_clock::now();
  const std::string output_text = run_hotsplice_build(arguments);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "hotsplice-build kernel --release " << release << " " << diff << " -> " << name
            << ": " << seconds << " s wall\n"
            << output_text.substr(0, output_text.find("special-table layouts"));
  // The symbols came from the image itself, not from a guest.
  CHECK(output_text.find("symbols: kallsyms tables decoded from") != std::string::npos);
  return output / "module" / (name + ".ko");
}

fs::path image_kallsyms(const std::string& release) {
  auto inputs = require_ok(target_kernel::prepare_kernel_inputs(
      release, target_kernel::default_cache_root(), "/dev/null"));
  REQUIRE_FALSE(inputs.kallsyms.empty());
  return inputs.kallsyms;
}

void check_image_symbols_against_guest(const std::string& release, GuestShell& shell) {
  const std::string guest = require_ok(shell.check_output("cat /proc/kallsyms"));
  const auto identity = require_ok(read_kernel_image_identity_file("/boot/vmlinuz-" + release));
  const char* cache_home = std::getenv("XDG_CACHE_HOME");
  const fs::path cache =
      fs::path(cache_home && *cache_home ? cache_home : "/var/cache") / "hotsplice-kallsyms";
  fs::create_directories(cache);
  require_ok(write_file_atomically(cache / (identity.build_id + ".txt"), guest));

  const std::string decoded = require_ok(read_file(image_kallsyms(release), 64 << 20));
  std::istringstream guest_lines(guest), decoded_lines(decoded);
  std::size_t compared = 0, differing = 0;
  std::set<std::uint64_t> shifts;
  for (std::string line; std::getline(guest_lines, line);) {
    if (line.find('[') != std::string::npos) continue;  // module symbols
    std::string mine;
    if (!std::getline(decoded_lines, mine)) {
      ++differing;
      break;
    }
    ++compared;
    // "ffffffff81000000 T _text": type and name must match; the address up to KASLR.
    if (line.substr(16) != mine.substr(16)) {
      ++differing;
      continue;
    }
    const std::uint64_t running = std::stoull(line.substr(0, 16), nullptr, 16);
    const std::uint64_t image = std::stoull(mine.substr(0, 16), nullptr, 16);
    if (image >= 0xffffffff80000000ull) shifts.insert(running - image);
  }
  INFO(release << ": " << compared << " vmlinux symbols compared");
  CHECK(compared > 50000);
  CHECK(differing == 0);
  CHECK(shifts.size() == 1);
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
