#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "core/base/file_io.h"
#include "tests/support/temp_dir.h"

using hotsplice::testing::TempDir;
namespace fs = std::filesystem;

TEST_CASE("read_file returns the whole content") {
  TempDir dir;
  auto path = dir.write("a.txt", std::string(100000, 'x'));
  auto content = hotsplice::read_file(path, 1 << 20);
  REQUIRE(content);
  CHECK(content->size() == 100000);
}

TEST_CASE("read_file refuses a file above the limit") {
  TempDir dir;
  auto path = dir.write("big", std::string(1025, 'x'));
  auto content = hotsplice::read_file(path, 1024);
  REQUIRE_FALSE(content);
  CHECK(content.error().code() == "file_too_large");
  CHECK_THAT(content.error().message(), Catch::Contains("big") && Catch::Contains("1024"));
}

TEST_CASE("read_file names the missing file and the errno text") {
  auto content = hotsplice::read_file("/nonexistent/hotsplice", 10);
  REQUIRE_FALSE(content);
  CHECK(content.error().message() == "open /nonexistent/hotsplice: No such file or directory");
}

TEST_CASE("write_file_atomically replaces the file and leaves no temporary behind") {
  TempDir dir;
  auto path = dir.write("state.json", "old");
  REQUIRE(hotsplice::write_file_atomically(path, "new content", 0600));
  CHECK(*hotsplice::read_file(path, 100) == "new content");
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  int entries = 0;
  for ([[maybe_unused]] auto& entry : fs::directory_iterator(dir.path())) ++entries;
  CHECK(entries == 1);
}

TEST_CASE("write_file_atomically into a missing directory fails and names it") {
  TempDir dir;
  auto status = hotsplice::write_file_atomically(dir / "missing" / "x", "data");
  REQUIRE_FALSE(status);
  CHECK_THAT(status.error().message(),
             Catch::Contains("missing") && Catch::Contains("No such file"));
}

TEST_CASE("ensure_directory creates parents and rejects a file in the way") {
  TempDir dir;
  REQUIRE(hotsplice::ensure_directory(dir / "a" / "b", 0700));
  CHECK(fs::is_directory(dir / "a" / "b"));
  auto file = dir.write("plain", "x");
  CHECK_FALSE(hotsplice::ensure_directory(file));
}

TEST_CASE("is_safe_file_name rejects names that could leave a directory") {
  CHECK(hotsplice::is_safe_file_name("hotsplice_0001.ko"));
  CHECK_FALSE(hotsplice::is_safe_file_name(""));
  CHECK_FALSE(hotsplice::is_safe_file_name("."));
  CHECK_FALSE(hotsplice::is_safe_file_name(".."));
  CHECK_FALSE(hotsplice::is_safe_file_name("../etc/passwd"));
  CHECK_FALSE(hotsplice::is_safe_file_name("a/b"));
  CHECK_FALSE(hotsplice::is_safe_file_name(std::string("a\0b", 3)));
  CHECK_FALSE(hotsplice::is_safe_file_name(std::string(256, 'a')));
}
