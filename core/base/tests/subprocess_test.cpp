#include <catch2/catch.hpp>

#include "core/base/file_io.h"
#include "core/base/subprocess.h"
#include "tests/support/temp_dir.h"

using hotsplice::run_checked;
using hotsplice::run_subprocess;

TEST_CASE("run_subprocess captures output and the exit status") {
  auto result =
      run_subprocess(hotsplice::SubprocessSpec({"sh", "-c", "echo out; echo err >&2; exit 3"}));
  REQUIRE(result);
  CHECK_FALSE(result->succeeded());
  CHECK(result->how_it_ended() == "exited with status 3");
  CHECK(result->output == "out\nerr\n");
}

TEST_CASE("run_subprocess bounds what it captures") {
  hotsplice::SubprocessSpec spec({"head", "-c", "100000", "/dev/zero"});
  spec.max_captured_bytes = 1000;
  auto result = run_subprocess(spec);
  REQUIRE(result);
  CHECK(result->succeeded());
  CHECK(result->output.size() == 1000);
}

TEST_CASE("run_subprocess runs in a directory and appends to a log") {
  hotsplice::testing::TempDir dir;
  hotsplice::SubprocessSpec spec({"sh", "-c", "pwd; ls"});
  spec.directory = dir.path();
  spec.output_log = dir / "log";
  REQUIRE(run_checked(spec));
  REQUIRE(run_checked(spec));
  auto log = hotsplice::read_file(dir / "log", 4096);
  REQUIRE(log);
  CHECK(*log == dir.path().string() + "\nlog\n" + dir.path().string() + "\nlog\n");
}

TEST_CASE("run_checked names the command, how it ended and its output") {
  auto failed =
      run_checked(hotsplice::SubprocessSpec({"sh", "-c", "echo something broke; kill -9 $$"}));
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code() == "command_failed");
  CHECK_THAT(failed.error().message(),
             Catch::StartsWith("sh -c echo something broke; kill -9 $$ killed by signal 9"));
  CHECK_THAT(failed.error().message(), Catch::EndsWith("something broke\n"));
  auto missing = run_subprocess(hotsplice::SubprocessSpec({"hotsplice-no-such-program"}));
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.error().message(), Catch::Contains("No such file or directory"));
}
