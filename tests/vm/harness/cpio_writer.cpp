#include "tests/vm/harness/cpio_writer.h"

#include <sys/stat.h>

#include <cstdio>
#include <utility>

namespace hotsplice::vm {
namespace {

void pad_to_four(std::string& archive) {
  while (archive.size() % 4 != 0) archive += '\0';
}

}  // namespace

void CpioWriter::add_directory(std::string_view path, mode_t permissions) {
  add_entry(path, S_IFDIR | permissions, {});
}

void CpioWriter::add_file(std::string_view path, std::string_view content, mode_t permissions) {
  add_entry(path, S_IFREG | permissions, content);
}

void CpioWriter::add_symlink(std::string_view path, std::string_view target) {
  add_entry(path, S_IFLNK | 0777, target);
}

void CpioWriter::add_char_device(std::string_view path, unsigned major, unsigned minor,
                                 mode_t permissions) {
  add_entry(path, S_IFCHR | permissions, {}, major, minor);
}

void CpioWriter::add_entry(std::string_view path, mode_t mode, std::string_view data,
                           unsigned rdev_major, unsigned rdev_minor) {
  // Archive paths are relative ("bin/busybox"), as the kernel's own gen_init_cpio writes.
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  bool is_directory = S_ISDIR(mode);
  char header[111];
  std::snprintf(header, sizeof(header),
                "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X", next_inode_++,
                static_cast<unsigned>(mode), 0u, 0u, is_directory ? 2u : 1u, 0u, data.size(), 0u,
                0u, rdev_major, rdev_minor, path.size() + 1, 0u);
  archive_.append(header, 110);
  archive_.append(path);
  archive_ += '\0';
  pad_to_four(archive_);
  archive_.append(data);
  pad_to_four(archive_);
}

std::string CpioWriter::finish() {
  add_entry("TRAILER!!!", 0, {});
  next_inode_ = 1;
  return std::exchange(archive_, {});
}

}  // namespace hotsplice::vm
