#include "kmod/kernel_tree/pristine_tree.h"

#include <cerrno>

#include "core/base/file_io.h"
#include "core/base/hex.h"
#include "core/crypto/sha256.h"
#include "kmod/kernel_tree/error_codes.h"
#include "kmod/kernel_tree/file_lock.h"
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
      return Error(errc::kInvalidSource, "the kernel tarball should unpack to one directory");
    }
    found = entry.path();
  }
  if (found.empty()) return Error(errc::kInvalidSource, "the kernel tarball is empty");
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

  // Prepared in place, at the path every later build uses: kbuild records absolute paths
  // of host tools (objtool, resolve_btfids), and a tree prepared elsewhere and renamed
  // would rebuild them in its first session. Only the ready stamp, written last, makes the
  // tree usable; a preparation that died is started again from scratch.
  if (auto status = ensure_directory(entry); !status) return status.error();
  auto lock = FileLock::acquire(entry / "prepare.lock");
  if (!lock) return lock.error();
  if (fs::exists(tree / kReadyStamp)) return tree;  // another process finished it
  std::error_code error;
  fs::remove_all(tree, error);
  const fs::path staging = entry / "unpacking";
  fs::remove_all(staging, error);
  if (auto status = ensure_directory(staging); !status) return status.error();
  if (auto status = unpack(source.source, staging, log); !status) {
    fs::remove_all(staging, error);
    return status.error();
  }
  fs::rename(staging / "linux", tree, error);
  fs::remove_all(staging, error);
  if (!fs::exists(tree)) return io_error("rename the unpacked tree to " + tree.string(), EIO);
  if (auto status = configure(tree, *config, source.jobs, log); !status) return status.error();
  if (auto status = write_file_atomically(tree / kReadyStamp, *key + "\n"); !status) {
    return status.error();
  }
  return tree;
}

}  // namespace hotsplice::kernel_tree
