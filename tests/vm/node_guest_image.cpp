#include "tests/vm/node_guest_image.h"

#include "core/base/subprocess.h"

namespace hotsplice::vm {
namespace fs = std::filesystem;

namespace {

// A copy of program without symbols or debug sections, in work_dir (a sanitizer report in
// the guest then names addresses; the tests read hostd's behaviour, not its stack traces).
Expected<fs::path> stripped_copy(const fs::path& program, const fs::path& work_dir) {
  fs::create_directories(work_dir);
  fs::path copy = work_dir / program.filename();
  auto stripped =
      run_checked(SubprocessSpec({"objcopy", "--strip-all", program.string(), copy.string()}));
  if (!stripped) return stripped.error().with_context("objcopy --strip-all");
  return copy;
}

}  // namespace

Expected<GuestImage> build_node_guest_image(const std::string& release, const fs::path& public_key,
                                            const fs::path& work_dir) {
  GuestImageSpec spec(release);
  spec.modules = {"virtio_pci", "virtio_console", "virtio_blk", "crc32c_generic", "ext4"};
  for (const auto& [program, guest_path] :
       {std::pair<fs::path, const char*>{HOTSPLICE_HOSTD_BINARY, kNodeHostd},
        {HOTSPLICE_CLI_BINARY, kNodeCli}}) {
    auto copy = stripped_copy(program, work_dir);
    if (!copy) return copy.error();
    spec.extra_files[*copy] = guest_path;
    if (auto s = add_shared_libraries(program, kNodeLibraryDir, spec); !s) return s.error();
  }
  spec.extra_files[HOTSPLICE_GUESTD_BINARY] = kNodeGuestd;
  spec.extra_files[public_key] = "/etc/hotsplice/keys.d/test.pub";
  return build_guest_image(spec);
}

std::string node_program_environment() {
  // Leak checking at exit needs ptrace-like access and adds nothing to these tests.
  return std::string("ASAN_OPTIONS=detect_leaks=0 LD_LIBRARY_PATH=") + kNodeLibraryDir + " ";
}

}  // namespace hotsplice::vm
