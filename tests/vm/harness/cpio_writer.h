// Writes a "newc" cpio archive, the format the kernel unpacks as an initramfs. Every entry
// has uid/gid 0 and mtime 0, so the same inputs always give the same bytes.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

namespace hotsplice::vm {

class CpioWriter {
 public:
  void add_directory(std::string_view path, mode_t permissions = 0755);
  void add_file(std::string_view path, std::string_view content, mode_t permissions = 0644);
  void add_symlink(std::string_view path, std::string_view target);
  void add_char_device(std::string_view path, unsigned major, unsigned minor,
                       mode_t permissions = 0600);

  // Appends the trailer and returns the archive; the writer is empty afterwards.
  std::string finish();

 private:
  void add_entry(std::string_view path, mode_t mode, std::string_view data, unsigned rdev_major = 0,
                 unsigned rdev_minor = 0);

  std::string archive_;
  unsigned next_inode_ = 1;
};

}  // namespace hotsplice::vm
