#include "tests/vm/harness/guest_kernel.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "core/base/file_io.h"
#include "core/crypto/sha256.h"
#include "core/kernel/error_codes.h"
#include "core/kernel/kernel_image.h"
#include "tests/vm/harness/child_process.h"
#include "tests/vm/harness/error_codes.h"

namespace hotsplice::vm {
namespace {

constexpr std::size_t kMaxKernelImageBytes = 128 << 20;
constexpr std::size_t kMaxModulesDepBytes = 16 << 20;

std::filesystem::path modules_dir(const std::string& release) {
  return std::filesystem::path("/lib/modules") / release;
}

// "virtio-pci" and "virtio_pci" name the same module.
std::string canonical_module_name(std::string name) {
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

// Splits "kernel/drivers/char/virtio_console.ko.xz" into its uncompressed relative path and
// the tool that decompresses it (empty when it is not compressed).
struct ModulePath {
  std::string relative_path;
  std::string decompressor;
};

ModulePath split_compression(const std::string& path) {
  static const std::pair<std::string_view, std::string_view> kSuffixes[] = {
      {".xz", "xz"}, {".zst", "zstd"}, {".gz", "gzip"}};
  for (const auto& [suffix, tool] : kSuffixes) {
    if (path.ends_with(suffix)) {
      return {path.substr(0, path.size() - suffix.size()), std::string(tool)};
    }
  }
  return {path, ""};
}

std::string module_name_of(const std::string& relative_path) {
  std::string file = std::filesystem::path(relative_path).filename().string();
  return canonical_module_name(file.substr(0, file.find(".ko")));
}

// Runs `tool -dcq input` and returns what it wrote to stdout.
Expected<std::string> decompress(const std::string& tool, const std::filesystem::path& input,
                                 const std::filesystem::path& scratch) {
  std::error_code ignored;
  std::filesystem::remove(scratch, ignored);
  // -q keeps stderr (which shares the output file) empty on success; --single-stream makes
  // xz stop at the end of the first stream instead of failing on trailing bytes.
  std::vector<std::string> argv{tool, "-dcq"};
  if (tool == "xz") argv.push_back("--single-stream");
  argv.push_back(input.string());
  Status ran = run_command(argv, scratch, Deadline::after(std::chrono::minutes(2)));
  if (!ran) {
    std::filesystem::remove(scratch, ignored);
    return ran.error().with_context("decompressing " + input.string());
  }
  auto bytes = read_file(scratch, kMaxKernelImageBytes);
  std::filesystem::remove(scratch, ignored);
  return bytes;
}

}  // namespace

std::filesystem::path guest_image_cache_dir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  std::filesystem::path base = xdg != nullptr && *xdg != '\0' ? xdg : "/var/cache";
  return base / "hotsplice-test-images";
}

std::vector<std::string> test_kernel_releases() {
  std::vector<std::string> releases;
  std::istringstream list(HOTSPLICE_TEST_KERNELS);
  for (std::string release; list >> release;) releases.push_back(release);
  return releases;
}

Expected<std::filesystem::path> direct_boot_kernel(const std::string& release) {
  std::filesystem::path bz_image = "/boot/vmlinuz-" + release;
  auto image = read_file(bz_image, kMaxKernelImageBytes);
  if (!image) {
    return image.error().with_context("kernel " + release +
                                      " is not installed (scripts/setup installs it)");
  }
  std::filesystem::path cache = guest_image_cache_dir();
  std::filesystem::path vmlinux =
      cache / ("vmlinux-" + release + "-" + sha256_hex(*image).substr(0, 16));
  if (std::filesystem::exists(vmlinux)) return vmlinux;

  if (Status made = ensure_directory(cache); !made) return made.error();
  // XZ (Debian's 6.1) and zstd (Debian's 6.12) payloads alike; anything else boots as is.
  auto elf = read_kernel_image_vmlinux(*image);
  if (!elf && elf.error().code() == kernel::errc::kUnsupportedCompression) return bz_image;
  if (!elf) return elf.error().with_context("extracting vmlinux from " + bz_image.string());
  if (Status written = write_file_atomically(vmlinux, *elf); !written) return written.error();
  return vmlinux;
}

Expected<std::vector<KernelModule>> resolve_modules(const std::string& release,
                                                    const std::vector<std::string>& names) {
  std::filesystem::path dep_file = modules_dir(release) / "modules.dep";
  auto dep_text = read_file(dep_file, kMaxModulesDepBytes);
  if (!dep_text) return dep_text.error();

  // name -> (path as listed, dependency paths)
  std::map<std::string, std::pair<std::string, std::vector<std::string>>> graph;
  std::istringstream lines(*dep_text);
  for (std::string line; std::getline(lines, line);) {
    std::size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string path = line.substr(0, colon);
    std::istringstream deps(line.substr(colon + 1));
    std::vector<std::string> dep_paths;
    for (std::string dep; deps >> dep;) dep_paths.push_back(dep);
    graph[module_name_of(split_compression(path).relative_path)] = {path, dep_paths};
  }
  // Built into the kernel (Debian's 6.12 builds virtio_pci and virtio_console in): nothing
  // to load. modules.builtin lists them as "kernel/drivers/virtio/virtio_pci.ko".
  std::set<std::string> builtin;
  if (auto builtin_text =
          read_file(modules_dir(release) / "modules.builtin", kMaxModulesDepBytes)) {
    std::istringstream builtin_lines(*builtin_text);
    for (std::string line; std::getline(builtin_lines, line);) {
      if (!line.empty()) builtin.insert(module_name_of(line));
    }
  }

  std::vector<KernelModule> ordered;
  std::set<std::string> visited;
  std::function<Status(const std::string&)> visit = [&](const std::string& name) -> Status {
    if (!visited.insert(name).second) return Status::ok();
    auto found = graph.find(name);
    if (found == graph.end() && builtin.count(name)) return Status::ok();
    if (found == graph.end()) {
      return Error(errc::kModuleNotFound, "module " + name + " is not in " + dep_file.string());
    }
    for (const std::string& dep : found->second.second) {
      if (Status ok = visit(module_name_of(split_compression(dep).relative_path)); !ok) return ok;
    }
    const std::string& path = found->second.first;
    ordered.push_back({name, modules_dir(release) / path, split_compression(path).relative_path});
    return Status::ok();
  };
  for (const std::string& name : names) {
    if (Status ok = visit(canonical_module_name(name)); !ok) return ok.error();
  }
  return ordered;
}

Expected<std::string> read_module(const KernelModule& module) {
  std::string decompressor = split_compression(module.host_path.string()).decompressor;
  if (decompressor.empty()) return read_file(module.host_path, kMaxKernelImageBytes);
  std::filesystem::path scratch = std::filesystem::temp_directory_path() /
                                  ("hotsplice-module-" + std::to_string(::getpid()) + ".ko");
  return decompress(decompressor, module.host_path, scratch);
}

}  // namespace hotsplice::vm
