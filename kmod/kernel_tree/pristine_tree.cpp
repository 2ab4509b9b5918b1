#include "kmod/kernel_tree/pristine_tree.h"

#include <unistd.h>

#include "core/base/file_io.h"
#include "core/base/hex.h"
#include "core/crypto/sha256.h"
#include "kmod/kernel_tree/process.h"

namespace hotsplice::kernel_tree {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxConfigBytes = 4 << 20;
constexpr const char* kReadyStamp = ".hotsplice-prepared";

// Identifies the source exactly: the tarball's digest, or for an unpacked tree its path
// and top Makefile (which carries the version).
Expected<std::string> source_key(const fs::path& source) {
  if (fs::is_regular_file(source)) {
    auto digest = sha256_file(source);
    if (!digest) return digest.error();
    return to_hex(*digest).substr(0, 16);
  }
  auto makefile = read_file(source / "Makefile", 1 << 20);
  if (!makefile) return makefile.error().with_context("reading the kernel tree's Makefile");
  return sha256_hex(fs::absolute(source).string() + "\n" + *makefile).substr(0, 16);
}

// The single top-level directory a kernel tarball unpacks to.
Expected<fs::path> only_directory_in(const fs::path& directory) {
  fs::path found;
  for (const auto& entry : fs::directory_iterator(directory)) {
    if (!entry.is_directory() || !found.empty()) {
      return Error("invalid_source", "the kernel tarball should unpack to one directory");
    }
    found = entry.path();
  }
  if (found.empty()) return Error("invalid_source", "the kernel tarball is empty");
  return found;
}

Status unpack(const fs::path& source, const fs::path& staging, const fs::path& log) {
  const fs::path tree = staging / "linux";
  if (fs::is_directory(source)) {
    return run_logged({"cp", "-a", fs::absolute(source).string(), tree.string()}, staging, log);
  }
  const fs::path unpacked = staging / "unpacked";
  if (auto status = ensure_directory(unpacked); !status) return status;
  if (auto status = run_logged({"tar", "-xf", fs::absolute(source).string()}, unpacked, log);
      !status) {
    return status;
  }
  auto top = only_directory_in(unpacked);
  if (!top) return top.error();
  std::error_code error;
  fs::rename(*top, tree, error);
  if (error) return io_error("rename " + top->string(), error.value());
  fs::remove(unpacked, error);
  return Status::ok();
}

Status configure(const fs::path& tree, const std::string& config, int jobs, const fs::path& log) {
  if (auto status = write_file_atomically(tree / ".config", config); !status) return status;
  if (auto status = run_logged({"make", "olddefconfig", kSectionCflags}, tree, log); !status) {
    return status;
  }
  return run_logged({"make", "-j" + std::to_string(jobs), "modules_prepare", kSectionCflags}, tree,
                    log);
}

}  // namespace

Expected<fs::path> prepare_pristine_tree(const TreeSource& source, const fs::path& log) {
  auto config = read_file(source.config, kMaxConfigBytes);
  if (!config) return config.error().with_context("reading the kernel config");
  auto key = source_key(source.source);
  if (!key) return key.error();
  const fs::path entry = source.cache / (*key + "-" + sha256_hex(*config).substr(0, 16));
  const fs::path tree = entry / "linux";
  if (fs::exists(tree / kReadyStamp)) return tree;

  // Prepare in a staging directory and rename it into place only when complete, so an
  // interrupted preparation never leaves a half-built tree in the cache.
  if (auto status = ensure_directory(source.cache); !status) return status.error();
  const fs::path staging = entry.string() + ".staging-" + std::to_string(getpid());
  std::error_code error;
  fs::remove_all(staging, error);
  if (auto status = ensure_directory(staging); !status) return status.error();
  auto cleanup = [&] { fs::remove_all(staging, error); };
  if (auto status = unpack(source.source, staging, log); !status) {
    cleanup();
    return status.error();
  }
  if (auto status = configure(staging / "linux", *config, source.jobs, log); !status) {
    cleanup();
    return status.error();
  }
  if (auto status = write_file_atomically(staging / "linux" / kReadyStamp, *key + "\n"); !status) {
    cleanup();
    return status.error();
  }
  fs::rename(staging, entry, error);
  if (error) {
    cleanup();
    // Another process may have finished the same preparation first.
    if (fs::exists(tree / kReadyStamp)) return tree;
    return io_error("rename " + staging.string(), error.value());
  }
  return tree;
}

Status make_work_copy(const fs::path& pristine, const fs::path& work, const fs::path& log) {
  std::error_code error;
  fs::remove_all(work, error);
  if (auto status = ensure_directory(work.parent_path()); !status) return status;
  return run_logged({"cp", "-al", pristine.string(), work.string()}, work.parent_path(), log);
}

Status detach_file(const fs::path& file) {
  auto content = read_file(file, std::size_t{64} << 20);
  if (!content) return content.error();
  std::error_code error;
  const auto permissions = fs::status(file, error).permissions();
  if (error) return io_error("stat " + file.string(), error.value());
  fs::remove(file, error);
  if (error) return io_error("unlink " + file.string(), error.value());
  return write_file_atomically(file, *content, static_cast<mode_t>(permissions));
}

}  // namespace hotsplice::kernel_tree
