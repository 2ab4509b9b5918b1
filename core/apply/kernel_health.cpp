#include "core/apply/kernel_health.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

#include "core/apply/error_codes.h"
#include "core/base/file_io.h"

namespace hotsplice::apply {
namespace {

// Bounded: a log flood during the settle time costs at most this much reading per check.
constexpr int kMaxReadsPerCheck = 512;
constexpr std::size_t kReadBytes = 8192;  // CONSOLE_EXT_LOG_MAX: one /dev/kmsg record

// What the kernel prints when it finds a bug in itself (lib/bug.c, arch/x86/mm/fault.c,
// kernel/panic.c, kernel/watchdog.c, mm/...).
constexpr std::string_view kBugMarkers[] = {"Oops:",
                                            "BUG: ",
                                            "kernel BUG at",
                                            "WARNING: CPU:",
                                            "general protection fault",
                                            "Kernel panic",
                                            "watchdog: BUG: soft lockup",
                                            "rcu: INFO: rcu_sched detected stalls"};

// The letters of include/linux/panic.h's taint flags, for the message.
constexpr char kTaintLetters[] = "PFSRMBUDAWCIOELKXTN";

std::string describe_taint(std::uint64_t bits) {
  std::string text;
  for (int bit = 0; bit < 64; ++bit) {
    if (!(bits & (std::uint64_t{1} << bit))) continue;
    if (!text.empty()) text += ",";
    text += bit < static_cast<int>(sizeof(kTaintLetters) - 1) ? std::string(1, kTaintLetters[bit])
                                                              : "bit " + std::to_string(bit);
  }
  return text;
}

}  // namespace

Expected<std::uint64_t> read_taint(const std::filesystem::path& root) {
  auto path = root / "proc/sys/kernel/tainted";
  auto text = read_file(path, 64);
  if (!text) return text.error();
  std::string_view digits(*text);
  while (!digits.empty() && (digits.back() == '\n' || digits.back() == ' ')) {
    digits.remove_suffix(1);
  }
  std::uint64_t value = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (digits.empty() || error != std::errc() || end != digits.data() + digits.size()) {
    return Error(errc::kTaintUnreadable, path.string() + ": not a taint mask");
  }
  return value;
}

std::optional<std::string> find_kernel_bug_line(std::string_view log_text) {
  std::size_t start = 0;
  while (start < log_text.size()) {
    std::size_t end = log_text.find('\n', start);
    if (end == std::string_view::npos) end = log_text.size();
    std::string_view line = log_text.substr(start, end - start);
    for (std::string_view marker : kBugMarkers) {
      if (line.find(marker) != std::string_view::npos) {
        // /dev/kmsg records are "<prio>,<seq>,<usec>,<flags>;<text>": keep the text.
        std::size_t text = line.find(';');
        if (text != std::string_view::npos && text < line.find(marker))
          line.remove_prefix(text + 1);
        return std::string(line.substr(0, 200));
      }
    }
    start = end + 1;
  }
  return std::nullopt;
}

KernelHealthWatch::KernelHealthWatch(const std::filesystem::path& root) : root_(root) {
  if (auto taint = read_taint(root_)) taint_baseline_ = *taint;
  kmsg_fd_ = ::open((root_ / "dev/kmsg").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (kmsg_fd_ >= 0 && ::lseek(kmsg_fd_, 0, SEEK_END) < 0) {
    ::close(kmsg_fd_);
    kmsg_fd_ = -1;
  }
}

KernelHealthWatch::~KernelHealthWatch() {
  if (kmsg_fd_ >= 0) ::close(kmsg_fd_);
}

std::string KernelHealthWatch::watched() const {
  if (taint_baseline_ && kmsg_fd_ >= 0) return "taint and kernel log";
  if (taint_baseline_) return "taint";
  return kmsg_fd_ >= 0 ? "kernel log" : "nothing";
}

Status KernelHealthWatch::check() {
  if (kmsg_fd_ >= 0) {
    char buffer[kReadBytes];
    for (int i = 0; i < kMaxReadsPerCheck; ++i) {
      ssize_t count = ::read(kmsg_fd_, buffer, sizeof(buffer));
      if (count < 0 && errno == EPIPE) continue;  // records overwritten meanwhile: skip on
      if (count <= 0) break;                      // EAGAIN (or end of a recorded file)
      // /dev/kmsg returns one whole record per read; a regular file any slice of lines.
      std::string text = partial_line_ + std::string(buffer, static_cast<std::size_t>(count));
      std::size_t last_newline = text.rfind('\n');
      partial_line_ = last_newline == std::string::npos ? text : text.substr(last_newline + 1);
      if (partial_line_.size() > kReadBytes) partial_line_.clear();
      if (auto bug = find_kernel_bug_line(
              text.substr(0, last_newline == std::string::npos ? 0 : last_newline + 1))) {
        return Error(errc::kKernelBugDetected, "the kernel logged: " + *bug);
      }
    }
  }
  if (taint_baseline_) {
    if (auto taint = read_taint(root_)) {
      std::uint64_t gained = *taint & ~*taint_baseline_ & ~kLivepatchTaintBits;
      if (gained != 0) {
        return Error(errc::kKernelBugDetected, "the kernel became tainted " +
                                                   describe_taint(gained) +
                                                   " (tainted = " + std::to_string(*taint) + ")");
      }
    }
  }
  return Status::ok();
}

}  // namespace hotsplice::apply
