#include "tests/fuzz/support/scratch_tree.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <system_error>

namespace hotsplice::fuzzing {

namespace {

constexpr std::string_view kScissors = "\n--8<--\n";

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "fuzz scratch directory: %s\n", what.c_str());
  std::abort();
}

std::filesystem::path make_scratch_dir() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/hotsplice-fuzz-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) fail("mkdtemp " + pattern + " failed");
  return pattern;
}

struct ScratchDir {
  std::filesystem::path path = make_scratch_dir();
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
};

}  // namespace

const std::filesystem::path& fresh_scratch_dir() {
  static ScratchDir scratch;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(scratch.path, error)) {
    std::filesystem::remove_all(entry.path(), error);
    if (error) fail("cannot empty " + scratch.path.string() + ": " + error.message());
  }
  if (error) fail("cannot list " + scratch.path.string() + ": " + error.message());
  return scratch.path;
}

void write_scratch_file(const std::filesystem::path& dir, std::string_view relative,
                        std::string_view content) {
  std::filesystem::path path = dir / relative;
  std::error_code error;
  std::filesystem::create_directories(path.parent_path(), error);
  if (error) fail("cannot create " + path.parent_path().string() + ": " + error.message());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  if (!out.flush()) fail("cannot write " + path.string());
}

void write_scratch_parts(const std::filesystem::path& dir, std::string_view text,
                         std::span<const std::string_view> files) {
  for (std::string_view file : files) {
    std::size_t cut = text.find(kScissors);
    std::string_view part = text.substr(0, cut);
    if (!part.empty()) write_scratch_file(dir, file, part);
    text = cut == std::string_view::npos ? std::string_view() : text.substr(cut + kScissors.size());
  }
}

}  // namespace hotsplice::fuzzing
