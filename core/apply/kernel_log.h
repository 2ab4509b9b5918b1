// What the kernel logged while the agent loaded a module: a refused module says why only in
// the kernel log ("disagrees about version of symbol ...", the trampoline's "run-pre check
// failed: ..."), while finit_module returns a bare errno.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace hotsplice::apply {

class KernelLogCursor {
 public:
  // Positioned at the end of <root>/dev/kmsg: read_new() returns only later records. Without
  // a readable /dev/kmsg, read_new() returns nothing.
  explicit KernelLogCursor(const std::filesystem::path& root);
  ~KernelLogCursor();
  KernelLogCursor(const KernelLogCursor&) = delete;
  KernelLogCursor& operator=(const KernelLogCursor&) = delete;

  // The message text of each record logged since, at most max_records (the last ones).
  std::vector<std::string> read_new(std::size_t max_records = 16);

 private:
  int fd_ = -1;
};

}  // namespace hotsplice::apply
