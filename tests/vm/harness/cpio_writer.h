// Writes a "newc" cpio archive, the format the kernel unpacks as an initramfs, with
// libarchive. Every entry has uid/gid 0 and mtime 0, and inodes are numbered in the order
// entries are added, so the same inputs always give the same bytes (guest images are cached
// by content).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>

struct archive;

namespace hotsplice::vm {

class CpioWriter {
 public:
  CpioWriter();
  ~CpioWriter();
  CpioWriter(const CpioWriter&) = delete;
  CpioWriter& operator=(const CpioWriter&) = delete;

  // Paths may start with '/'; they are stored relative ("bin/busybox"), as the kernel's own
  // gen_init_cpio writes them. A path over 4095 bytes or an entry libarchive rejects aborts
  // with its message (a harness bug, never input from a guest).
  void add_directory(std::string_view path, mode_t permissions = 0755);
  void add_file(std::string_view path, std::string_view content, mode_t permissions = 0644);
  void add_symlink(std::string_view path, std::string_view target);
  void add_char_device(std::string_view path, unsigned major, unsigned minor,
                       mode_t permissions = 0600);

  // Appends the trailer and returns the archive; the writer is empty afterwards.
  std::string finish();

 private:
  struct ArchiveCloser {
    void operator()(struct archive* writer) const;
  };

  void open();
  void add_entry(std::string_view path, mode_t mode, std::string_view data,
                 std::string_view symlink_target = {}, unsigned rdev_major = 0,
                 unsigned rdev_minor = 0);

  std::string archive_;  // what libarchive has written so far
  std::unique_ptr<struct archive, ArchiveCloser> writer_;
  unsigned next_inode_ = 1;
};

}  // namespace hotsplice::vm
