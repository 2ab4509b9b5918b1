#include "kmod/kernel_tree/tree_lease.h"

#include "core/base/file_io.h"

namespace hotsplice::kernel_tree {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxSavedFileBytes = std::size_t{64} << 20;

// The journal: a copy of each changed file under the same relative path. It lives next to
// the tree (not inside, where kbuild could see it).
fs::path journal_of(const fs::path& tree) {
  return tree.parent_path() / "originals";
}

Status restore_journal(const fs::path& tree) {
  const fs::path journal = journal_of(tree);
  std::error_code error;
  if (!fs::exists(journal, error)) return Status::ok();
  for (auto it = fs::recursive_directory_iterator(journal, error);
       !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
    if (!it->is_regular_file()) continue;
    const fs::path relative = fs::relative(it->path(), journal);
    auto content = read_file(it->path(), kMaxSavedFileBytes);
    if (!content) return content.error().with_context("restoring " + relative.string());
    const auto permissions = fs::status(it->path()).permissions();
    // A new file (new inode, new mtime): never writes through a hard link, and makes
    // kbuild rebuild what the changed file had built.
    if (auto status =
            write_file_atomically(tree / relative, *content, static_cast<mode_t>(permissions));
        !status) {
      return status;
    }
  }
  if (error) return io_error("reading the journal " + journal.string(), error.value());
  fs::remove_all(journal, error);
  if (error) return io_error("removing the journal " + journal.string(), error.value());
  return Status::ok();
}

}  // namespace

Expected<TreeLease> TreeLease::acquire(const fs::path& tree) {
  auto lock = FileLock::acquire(tree.parent_path() / "lock");
  if (!lock) return lock.error();
  if (auto status = restore_journal(tree); !status) {
    return status.error().with_context("putting back the files an earlier session changed");
  }
  return TreeLease(tree, std::move(*lock));
}

TreeLease::~TreeLease() {
  // A moved-from lease has no tree. On failure the journal stays and the next lease retries.
  if (!tree_.empty()) (void)restore();
}

Status TreeLease::will_modify(const std::string& relative_path) {
  const fs::path saved = journal_of(tree_) / relative_path;
  std::error_code error;
  if (fs::exists(saved, error)) return Status::ok();
  if (auto status = ensure_directory(saved.parent_path()); !status) return status;
  const fs::path original = tree_ / relative_path;
  if (!fs::exists(original, error)) return Status::ok();  // a new file: nothing to keep
  auto content = read_file(original, kMaxSavedFileBytes);
  if (!content) return content.error();
  const auto permissions = fs::status(original, error).permissions();
  if (auto status = write_file_atomically(saved, *content, static_cast<mode_t>(permissions));
      !status) {
    return status;
  }
  // The tree's file is replaced by a private copy before anyone edits it: the cache's
  // files may be hard links shared with other trees.
  return write_file_atomically(original, *content, static_cast<mode_t>(permissions));
}

Status TreeLease::restore() {
  return restore_journal(tree_);
}

}  // namespace hotsplice::kernel_tree
