#include "tests/vm/harness/guest_image.h"

#include <sys/stat.h>

#include <set>
#include <sstream>

#include "core/base/file_io.h"
#include "core/base/subprocess.h"
#include "core/crypto/sha256.h"
#include "tests/vm/harness/cpio_writer.h"
#include "tests/vm/harness/error_codes.h"
#include "tests/vm/harness/guest_kernel.h"

namespace hotsplice::vm {
namespace {

constexpr std::size_t kMaxGuestFileBytes = 256 << 20;
constexpr const char* kBusybox = "/bin/busybox";

// Adds files while creating each parent directory once.
class ImageTree {
 public:
  void directory(const std::filesystem::path& path) {
    if (path.empty() || path == "/" || !created_.insert(path.string()).second) return;
    directory(path.parent_path());
    cpio_.add_directory(path.string());
  }

  void file(const std::filesystem::path& path, std::string_view content, mode_t permissions) {
    directory(path.parent_path());
    cpio_.add_file(path.string(), content, permissions);
  }

  CpioWriter& cpio() { return cpio_; }

 private:
  CpioWriter cpio_;
  std::set<std::string> created_;
};

// Copies a host file into the tree, keeping its executable bit.
Status add_host_file(ImageTree& tree, const std::filesystem::path& host,
                     const std::filesystem::path& guest) {
  auto content = read_file(host, kMaxGuestFileBytes);
  if (!content) return content.error();
  struct stat info {};
  if (::stat(host.c_str(), &info) != 0) return io_error("stat " + host.string(), errno);
  tree.file(guest, *content, (info.st_mode & 0111) != 0 ? 0755 : 0644);
  return Status::ok();
}

Status add_modules(ImageTree& tree, const GuestImageSpec& spec) {
  auto modules = resolve_modules(spec.kernel_release, spec.modules);
  if (!modules) return modules.error();
  std::string load_order;
  for (const KernelModule& module : *modules) {
    auto elf = read_module(module);
    if (!elf) return elf.error();
    std::string guest_path = "/lib/modules/" + spec.kernel_release + "/" + module.relative_path;
    tree.file(guest_path, *elf, 0644);
    load_order += guest_path + "\n";
  }
  tree.file("/etc/hotsplice/modules", load_order, 0644);
  return Status::ok();
}

}  // namespace

Expected<GuestImage> build_guest_image(const GuestImageSpec& spec) {
  auto kernel = direct_boot_kernel(spec.kernel_release);
  if (!kernel) return kernel.error();

  ImageTree tree;
  for (const char* dir :
       {"/dev", "/proc", "/sys", "/tmp", "/run", "/root", "/etc/hotsplice/init.d"}) {
    tree.directory(dir);
  }
  // The kernel opens /dev/console for init's stdio before /init can mount devtmpfs.
  tree.cpio().add_char_device("dev/console", 5, 1);
  tree.directory("/bin");
  tree.cpio().add_symlink("bin/sh", "busybox");

  const std::filesystem::path guest_dir = HOTSPLICE_VM_GUEST_DIR;
  struct {
    std::filesystem::path host;
    const char* guest;
  } const fixed_files[] = {
      {kBusybox, "/bin/busybox"},
      {guest_dir / "init", "/init"},
      {guest_dir / "test-shell.sh", "/usr/lib/hotsplice/test-shell.sh"},
      {guest_dir / "echo-port.sh", "/usr/lib/hotsplice/echo-port.sh"},
  };
  for (const auto& fixed : fixed_files) {
    if (Status added = add_host_file(tree, fixed.host, fixed.guest); !added) return added.error();
  }
  if (Status added = add_modules(tree, spec); !added) return added.error();
  for (const auto& [host, guest] : spec.extra_files) {
    if (!guest.starts_with('/')) {
      return Error(errc::kInvalidArgument, "guest path must be absolute: " + guest);
    }
    if (Status added = add_host_file(tree, host, guest); !added) return added.error();
  }

  std::string archive = tree.cpio().finish();
  std::filesystem::path cache = guest_image_cache_dir();
  std::filesystem::path initramfs = cache / (sha256_hex(archive) + ".cpio");
  if (!std::filesystem::exists(initramfs)) {
    if (Status made = ensure_directory(cache); !made) return made.error();
    if (Status written = write_file_atomically(initramfs, archive); !written) {
      return written.error();
    }
  }
  return GuestImage{spec.kernel_release, *kernel, initramfs};
}

Status add_shared_libraries(const std::filesystem::path& program, const std::string& library_dir,
                            GuestImageSpec& spec) {
  auto listed = run_checked(SubprocessSpec({"ldd", program.string()}));
  if (!listed) return listed.error().with_context("ldd " + program.string());
  std::istringstream lines(listed->output);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string name, arrow, path;
    words >> name >> arrow >> path;
    if (arrow == "=>" && !path.empty() && path.front() == '/') {
      spec.extra_files[path] = library_dir + "/" + name;
    } else if (!name.empty() && name.front() == '/') {
      spec.extra_files[name] = name;  // the dynamic loader
    }
  }
  return Status::ok();
}

}  // namespace hotsplice::vm
