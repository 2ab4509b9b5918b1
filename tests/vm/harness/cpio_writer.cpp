#include "tests/vm/harness/cpio_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cstdio>
#include <cstdlib>
#include <utility>

namespace hotsplice::vm {
namespace {

// A failed libarchive call is a harness bug (the inputs are the harness's own files).
void require(struct archive* writer, int result, const char* what) {
  if (result >= ARCHIVE_WARN) return;
  std::fprintf(stderr, "cpio writer: %s: %s\n", what, archive_error_string(writer));
  std::abort();
}

la_ssize_t append_to_string(struct archive*, void* sink, const void* buffer, size_t length) {
  static_cast<std::string*>(sink)->append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

struct EntryDeleter {
  void operator()(struct archive_entry* entry) const { archive_entry_free(entry); }
};

}  // namespace

void CpioWriter::ArchiveCloser::operator()(struct archive* writer) const {
  archive_write_free(writer);
}

CpioWriter::CpioWriter() {
  open();
}

CpioWriter::~CpioWriter() = default;

void CpioWriter::open() {
  writer_.reset(archive_write_new());
  require(writer_.get(), archive_write_set_format_cpio_newc(writer_.get()), "newc format");
  // No block padding: the initramfs ends with the trailer's own 4-byte alignment.
  require(writer_.get(), archive_write_set_bytes_per_block(writer_.get(), 0), "block size");
  require(
      writer_.get(),
      archive_write_open2(writer_.get(), &archive_, nullptr, append_to_string, nullptr, nullptr),
      "open");
}

void CpioWriter::add_directory(std::string_view path, mode_t permissions) {
  add_entry(path, S_IFDIR | permissions, {});
}

void CpioWriter::add_file(std::string_view path, std::string_view content, mode_t permissions) {
  add_entry(path, S_IFREG | permissions, content);
}

void CpioWriter::add_symlink(std::string_view path, std::string_view target) {
  add_entry(path, S_IFLNK | 0777, {}, target);
}

void CpioWriter::add_char_device(std::string_view path, unsigned major, unsigned minor,
                                 mode_t permissions) {
  add_entry(path, S_IFCHR | permissions, {}, {}, major, minor);
}

void CpioWriter::add_entry(std::string_view path, mode_t mode, std::string_view data,
                           std::string_view symlink_target, unsigned rdev_major,
                           unsigned rdev_minor) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  std::unique_ptr<struct archive_entry, EntryDeleter> entry(archive_entry_new());
  archive_entry_copy_pathname(entry.get(), std::string(path).c_str());
  archive_entry_set_mode(entry.get(), mode);
  archive_entry_set_ino(entry.get(), next_inode_++);
  archive_entry_set_nlink(entry.get(), S_ISDIR(mode) ? 2 : 1);
  archive_entry_set_uid(entry.get(), 0);
  archive_entry_set_gid(entry.get(), 0);
  archive_entry_set_mtime(entry.get(), 0, 0);
  if (S_ISLNK(mode)) {
    archive_entry_copy_symlink(entry.get(), std::string(symlink_target).c_str());
  } else if (S_ISCHR(mode)) {
    archive_entry_set_rdev(entry.get(), makedev(rdev_major, rdev_minor));
  }
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(data.size()));
  require(writer_.get(), archive_write_header(writer_.get(), entry.get()), "entry header");
  if (!data.empty()) {
    la_ssize_t written = archive_write_data(writer_.get(), data.data(), data.size());
    if (written != static_cast<la_ssize_t>(data.size())) {
      require(writer_.get(), ARCHIVE_FATAL, "entry data");
    }
  }
}

std::string CpioWriter::finish() {
  require(writer_.get(), archive_write_close(writer_.get()), "trailer");
  std::string result = std::exchange(archive_, {});
  next_inode_ = 1;
  open();
  return result;
}

}  // namespace hotsplice::vm
