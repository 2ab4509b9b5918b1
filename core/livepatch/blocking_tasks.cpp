#include "core/livepatch/blocking_tasks.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <string_view>

#include "core/base/file_io.h"
#include "core/kernel/directory_listing.h"
#include "core/kernel/kernel_file.h"

namespace hotsplice {
namespace {

// Kernel threads' names reach 64 bytes on newer kernels; user tasks are cut at 15.
constexpr std::size_t kMaxCommLength = 64;
// /proc/<pid>/stack holds at most 64 frames of ~100 bytes each.
constexpr std::size_t kMaxStackBytes = 16 * 1024;
constexpr std::size_t kMaxFrameLength = 128;

// Task names and stack lines are set by whoever runs the task (prctl(PR_SET_NAME)), so they
// are shown with anything unprintable replaced and at a bounded length.
std::string printable(std::string_view text, std::size_t max_length) {
  std::string shown(text.substr(0, max_length));
  for (char& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  }
  return shown;
}

std::optional<long> parse_id(const std::string& name) {
  long id = 0;
  auto [stop, error] = std::from_chars(name.data(), name.data() + name.size(), id);
  if (error != std::errc() || stop != name.data() + name.size() || id <= 0) return std::nullopt;
  return id;
}

// "[<0>] __schedule+0x2a2/0x8a0" -> "__schedule+0x2a2/0x8a0". The bracketed address is zero
// unless the reader has kptr_restrict rights, so it says nothing and is dropped.
std::vector<std::string> stack_top(const std::filesystem::path& path) {
  std::vector<std::string> frames;
  auto content = read_file(path, kMaxStackBytes);
  if (!content) return frames;  // root-only, or absent without CONFIG_STACKTRACE
  std::string_view text = *content;
  while (!text.empty() && frames.size() < kStackFramesKept) {
    std::size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.starts_with("[<")) {
      std::size_t close = line.find("] ");
      if (close != std::string_view::npos) line.remove_prefix(close + 2);
    }
    if (!line.empty()) frames.push_back(printable(line, kMaxFrameLength));
  }
  return frames;
}

// The task at <root>/proc/<pid>/task/<tid>, if it blocks; nullopt if it does not or is gone.
Expected<std::optional<BlockingTask>> check_task(const std::filesystem::path& task_dir, long pid,
                                                 long tid, int target_state) {
  std::filesystem::path state_path = task_dir / "patch_state";
  if (!path_exists(state_path)) return std::optional<BlockingTask>();
  auto state = read_kernel_integer(state_path, -1, 1);
  if (!state) {
    if (!path_exists(task_dir)) return std::optional<BlockingTask>();  // exited meanwhile
    return state.error();
  }
  // -1: this task is outside any transition (or the transition just ended).
  if (*state == -1 || *state == target_state) return std::optional<BlockingTask>();
  BlockingTask task;
  task.pid = pid;
  task.tid = tid;
  task.patch_state = static_cast<int>(*state);
  auto comm = read_file(task_dir / "comm", kMaxCommLength + 1);
  if (comm && !comm->empty() && comm->back() == '\n') comm->pop_back();
  task.comm = comm && !comm->empty() ? printable(*comm, kMaxCommLength) : "?";
  task.stack_top = stack_top(task_dir / "stack");
  return std::optional<BlockingTask>(std::move(task));
}

}  // namespace

Expected<std::vector<BlockingTask>> find_blocking_tasks(const std::filesystem::path& root,
                                                        int target_state) {
  std::filesystem::path proc = root / "proc";
  auto processes = list_subdirectories(proc);
  if (!processes) return processes.error();
  std::vector<BlockingTask> blocking;
  for (const std::string& process : *processes) {
    auto pid = parse_id(process);
    if (!pid) continue;  // /proc/sys, /proc/self and friends
    // A process that exits between the listing and here has no task directory: skip it.
    auto threads = list_subdirectories(proc / process / "task");
    if (!threads) continue;
    for (const std::string& thread : *threads) {
      auto tid = parse_id(thread);
      if (!tid) continue;
      auto task = check_task(proc / process / "task" / thread, *pid, *tid, target_state);
      if (!task) return task.error();
      if (*task) blocking.push_back(std::move(**task));
    }
  }
  std::sort(blocking.begin(), blocking.end(), [](const auto& a, const auto& b) {
    return a.pid != b.pid ? a.pid < b.pid : a.tid < b.tid;
  });
  return blocking;
}

std::string describe(const BlockingTask& task) {
  std::string text = "pid " + std::to_string(task.pid) + " tid " + std::to_string(task.tid) + " (" +
                     task.comm + ") patch_state " + std::to_string(task.patch_state);
  for (std::size_t i = 0; i < task.stack_top.size(); ++i) {
    text += (i == 0 ? " at " : " <- ") + task.stack_top[i];
  }
  return text;
}

}  // namespace hotsplice
