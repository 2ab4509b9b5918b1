#include "core/apply/kernel_log.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <deque>

namespace hotsplice::apply {
namespace {

// A /dev/kmsg record: "<prefix fields>;<message>\n" plus continuation lines; at most 8 KiB
// (CONSOLE_EXT_LOG_MAX) per read.
constexpr std::size_t kMaxRecordBytes = 8192;
// Whatever happens, a refused load logs a handful of lines; stop reading long before a
// flood of unrelated messages could cost anything.
constexpr int kMaxRecordsRead = 256;

std::string message_of(std::string_view record) {
  auto separator = record.find(';');
  if (separator == std::string_view::npos) return {};
  std::string_view text = record.substr(separator + 1);
  text = text.substr(0, text.find('\n'));
  return std::string(text);
}

}  // namespace

KernelLogCursor::KernelLogCursor(const std::filesystem::path& root) {
  fd_ = ::open((root / "dev/kmsg").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd_ >= 0 && ::lseek(fd_, 0, SEEK_END) < 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

KernelLogCursor::~KernelLogCursor() {
  if (fd_ >= 0) ::close(fd_);
}

std::vector<std::string> KernelLogCursor::read_new(std::size_t max_records) {
  std::deque<std::string> records;
  if (fd_ < 0) return {};
  char buffer[kMaxRecordBytes];
  for (int i = 0; i < kMaxRecordsRead; ++i) {
    ssize_t count = ::read(fd_, buffer, sizeof(buffer));
    if (count < 0 && errno == EPIPE) continue;  // records overwritten meanwhile: skip on
    if (count <= 0) break;                      // EAGAIN: nothing more
    std::string message = message_of(std::string_view(buffer, static_cast<std::size_t>(count)));
    if (message.empty()) continue;
    records.push_back(std::move(message));
    if (records.size() > max_records) records.pop_front();
  }
  return {records.begin(), records.end()};
}

}  // namespace hotsplice::apply
