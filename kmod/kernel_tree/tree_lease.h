// Exclusive use of a prepared kernel tree for one build session. Builds run in the tree
// itself, at its stable path in the cache: kbuild's records (.cmd files) then match from
// one session to the next, so objtool, resolve_btfids and the other host tools are built
// once by `modules_prepare` and never again, and a warm session costs the objects the diff
// touches (compiled before and after the fix) and nothing else. (Before, each session made
// a hard-link copy of the tree at another path, and kbuild rebuilt the host tools there
// because their records held the other path: 20-70 s per patch.)
//
// Every file a session changes is saved first (a journal next to the tree); the lease puts
// the originals back when it ends, and the next lease does it if a session died midway, so
// the tree is always the pristine source when a session starts. Restored files get a new
// modification time on purpose: kbuild then recompiles the object from the pristine source
// instead of keeping the one built from the patched file.
#pragma once

#include <filesystem>
#include <string>
#include <utility>

#include "core/base/expected.h"
#include "kmod/kernel_tree/file_lock.h"

namespace hotsplice::kernel_tree {

class TreeLease {
 public:
  // Waits for the tree's lock (flock: released by the kernel if the holder dies), then puts
  // back whatever an earlier session left changed.
  static Expected<TreeLease> acquire(const std::filesystem::path& tree);

  TreeLease(TreeLease&& other) noexcept
      : tree_(std::exchange(other.tree_, {})), lock_(std::move(other.lock_)) {}
  TreeLease& operator=(TreeLease&&) = delete;
  ~TreeLease();  // restores (best effort), then the lock is released

  // Saves the file (relative to the tree) in the journal before the caller changes it.
  // Saving a file twice keeps the first (pristine) copy.
  Status will_modify(const std::string& relative_path);

  // Puts every saved file back and empties the journal.
  Status restore();

  const std::filesystem::path& tree() const { return tree_; }

 private:
  TreeLease(std::filesystem::path tree, FileLock lock)
      : tree_(std::move(tree)), lock_(std::move(lock)) {}
  std::filesystem::path tree_;
  FileLock lock_;
};

}  // namespace hotsplice::kernel_tree
