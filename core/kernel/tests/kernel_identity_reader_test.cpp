#include <catch2/catch.hpp>

#include <sys/utsname.h>

#include <string>

#include "core/base/file_io.h"
#include "core/kernel/kernel_identity_reader.h"
#include "core/kernel/tests/fixture_paths.h"
#include "tests/support/temp_dir.h"

using hotsplice::testing::kernel_fixture;
using hotsplice::testing::TempDir;

namespace {

// Places a committed fixture file at relative inside root (TempDir::write creates parents).
void copy_fixture(const TempDir& root, const char* fixture, const char* relative) {
  auto bytes = hotsplice::read_file(kernel_fixture(fixture), 1 << 16);
  REQUIRE(bytes);
  root.write(relative, *bytes);
}

// A root whose notes are the recorded host's and whose /proc values are given.
void write_tree(const TempDir& root, const std::string& osrelease, const std::string& version) {
  root.write("proc/sys/kernel/osrelease", osrelease);
  root.write("proc/sys/kernel/version", version);
  copy_fixture(root, "host-6.18.44-fc/sys/kernel/notes", "sys/kernel/notes");
}

}  // namespace

TEST_CASE("the recorded host tree gives release, version and build-id") {
  auto identity = hotsplice::read_kernel_identity(kernel_fixture("host-6.18.44-fc"));
  REQUIRE(identity);
  CHECK(identity->release == "6.18.44-fc-v595");
  CHECK(identity->version == "#1 SMP PREEMPT_DYNAMIC @0");
  CHECK(identity->build_id == hotsplice::testing::kRecordedHostBuildId);
}

TEST_CASE("the running kernel's identity matches uname and its own notes") {
  // Read for real from "/": release and version must agree with uname(2).
  auto identity = hotsplice::read_kernel_identity("/");
  REQUIRE(identity);
  struct utsname names {};
  REQUIRE(::uname(&names) == 0);
  CHECK(identity->release == names.release);
  CHECK(identity->version == names.version);
  CHECK(identity->build_id.size() >= 32);
}

TEST_CASE("missing, empty and oversized /proc values are refused naming the file") {
  TempDir root;
  SECTION("missing osrelease") {
    root.write("proc/sys/kernel/version", "#1 SMP\n");
    auto identity = hotsplice::read_kernel_identity(root.path());
    REQUIRE_FALSE(identity);
    CHECK(identity.error().code() == "io_error");
    CHECK_THAT(identity.error().message(),
               Catch::StartsWith("reading kernel identity: open ") &&
                   Catch::Contains("proc/sys/kernel/osrelease: No such file or directory"));
  }
  SECTION("empty osrelease") {
    write_tree(root, "\n", "#1 SMP\n");
    auto identity = hotsplice::read_kernel_identity(root.path());
    REQUIRE_FALSE(identity);
    CHECK(identity.error().code() == "empty_value");
    CHECK_THAT(identity.error().message(), Catch::Contains("osrelease"));
  }
  SECTION("oversized version") {
    write_tree(root, "6.1.0-56-amd64\n", std::string(65, 'v') + "\n");
    auto identity = hotsplice::read_kernel_identity(root.path());
    REQUIRE_FALSE(identity);
    CHECK(identity.error().code() == "value_too_long");
    CHECK_THAT(identity.error().message(), Catch::Contains("proc/sys/kernel/version"));
  }
  SECTION("a release that would escape /lib/modules") {
    write_tree(root, "../../etc\n", "#1 SMP\n");
    auto identity = hotsplice::read_kernel_identity(root.path());
    REQUIRE_FALSE(identity);
    CHECK(identity.error().code() == "invalid_value");
  }
  SECTION("missing notes") {
    root.write("proc/sys/kernel/osrelease", "6.1.0-56-amd64\n");
    root.write("proc/sys/kernel/version", "#1 SMP\n");
    auto identity = hotsplice::read_kernel_identity(root.path());
    REQUIRE_FALSE(identity);
    CHECK_THAT(identity.error().message(), Catch::Contains("sys/kernel/notes"));
  }
  SECTION("notes without a build-id") {
    root.write("proc/sys/kernel/osrelease", "6.1.0-56-amd64\n");
    root.write("proc/sys/kernel/version", "#1 SMP\n");
    copy_fixture(root, "malformed-notes/no-build-id.notes", "sys/kernel/notes");
    auto identity = hotsplice::read_kernel_identity(root.path());
    REQUIRE_FALSE(identity);
    CHECK(identity.error().code() == "build_id_missing");
  }
}
