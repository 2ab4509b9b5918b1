#include "core/base/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>

#include "core/base/error_codes.h"
#include "core/base/unique_fd.h"

namespace hotsplice {
namespace {

Status write_all(int fd, std::string_view data, const std::filesystem::path& path) {
  while (!data.empty()) {
    ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return io_error("write " + path.string(), errno);
    }
    data.remove_prefix(static_cast<std::size_t>(written));
  }
  return Status::ok();
}

std::string temporary_name_for(const std::filesystem::path& path) {
  std::random_device random;
  // Appended piece by piece: "." + a temporary string trips GCC 12's -Wrestrict at -O3
  // (a false positive in the inlined insert, GCC bug 105329).
  std::string name = ".";
  name += path.filename().string();
  name += ".tmp.";
  name += std::to_string(::getpid());
  name += '.';
  name += std::to_string(random());
  return name;
}

}  // namespace

std::string errno_text(int errnum) {
  char buffer[256];
  // GNU strerror_r returns a pointer that may or may not be buffer.
  return ::strerror_r(errnum, buffer, sizeof buffer);
}

Error io_error(std::string_view what, int errnum) {
  return Error(errc::kIoError, std::string(what) + ": " + errno_text(errnum));
}

Expected<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return io_error("open " + path.string(), errno);
  std::string content;
  char buffer[65536];
  for (;;) {
    ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got < 0) {
      if (errno == EINTR) continue;
      return io_error("read " + path.string(), errno);
    }
    if (got == 0) break;
    if (content.size() + static_cast<std::size_t>(got) > max_bytes) {
      return Error(errc::kFileTooLarge, path.string() + " is larger than the limit of " +
                                            std::to_string(max_bytes) + " bytes");
    }
    content.append(buffer, static_cast<std::size_t>(got));
  }
  return content;
}

Status write_file_atomically(const std::filesystem::path& path, std::string_view data,
                             mode_t mode) {
  std::filesystem::path directory = path.has_parent_path() ? path.parent_path() : ".";
  std::filesystem::path temporary = directory / temporary_name_for(path);
  UniqueFd fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (fd.get() < 0) return io_error("create " + temporary.string(), errno);

  auto fail = [&](Error error) {
    ::unlink(temporary.c_str());
    return Status(std::move(error));
  };
  if (Status written = write_all(fd.get(), data, temporary); !written) return fail(written.error());
  if (::fchmod(fd.get(), mode) != 0) return fail(io_error("chmod " + temporary.string(), errno));
  if (::fsync(fd.get()) != 0) return fail(io_error("fsync " + temporary.string(), errno));
  if (::close(fd.release()) != 0) return fail(io_error("close " + temporary.string(), errno));
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    return fail(io_error("rename " + temporary.string() + " to " + path.string(), errno));
  }
  // The rename is only durable once the directory entry itself reaches the disk.
  return fsync_directory(directory);
}

Status fsync_directory(const std::filesystem::path& directory) {
  UniqueFd fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) return io_error("open directory " + directory.string(), errno);
  if (::fsync(fd.get()) != 0) return io_error("fsync directory " + directory.string(), errno);
  return Status::ok();
}

Status ensure_directory(const std::filesystem::path& path, mode_t mode) {
  std::error_code error;
  bool created = std::filesystem::create_directories(path, error);
  if (error) {
    return Error(errc::kIoError, "create directory " + path.string() + ": " + error.message());
  }
  if (!std::filesystem::is_directory(path, error)) {
    return Error(errc::kIoError, path.string() + " exists but is not a directory");
  }
  // Only a directory we made gets our mode; an administrator's choice on an existing one stays.
  if (created && ::chmod(path.c_str(), mode) != 0) return io_error("chmod " + path.string(), errno);
  return Status::ok();
}

bool is_safe_file_name(std::string_view name) {
  if (name.empty() || name.size() > 255 || name == "." || name == "..") return false;
  return name.find('/') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

}  // namespace hotsplice
