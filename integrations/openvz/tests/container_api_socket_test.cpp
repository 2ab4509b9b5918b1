// query_container_api against a real HTTP server on a real Unix socket: Debian's nginx
// (tests/servers) listening where dockerd would, answering /containers/json with the
// recorded Docker answer. Skips, saying why, when nginx is not installed.
#include <catch2/catch.hpp>

#include "integrations/openvz/container_api.h"
#include "integrations/openvz/error_codes.h"
#include "integrations/openvz/tests/fixture_reading.h"
#include "tests/servers/local_servers.h"
#include "tests/support/temp_dir.h"

using namespace hotsplice::openvz;
using namespace hotsplice::openvz::testing;
using hotsplice::testing::LocalNginx;
using hotsplice::testing::NginxOptions;
using hotsplice::testing::TempDir;

namespace {

constexpr std::chrono::milliseconds kTimeout{10000};

#define SKIP_WITHOUT_SERVERS()                                     \
  if (auto missing = hotsplice::testing::missing_http_servers()) { \
    WARN("SKIPPED: " << *missing);                                 \
    return;                                                        \
  }

}  // namespace

TEST_CASE("real nginx on a Unix socket answers /containers/json like dockerd") {
  SKIP_WITHOUT_SERVERS();
  TempDir work;
  std::filesystem::path socket = work / "docker.sock";
  NginxOptions options;
  options.extra_server_config = "listen unix:" + socket.string() +
                                "; location = /containers/json { default_type "
                                "application/json; alias " +
                                (kFixtures / "containers/docker-containers-json.json").string() +
                                "; }";
  auto nginx = LocalNginx::start(work / "nginx", work.path(), options);
  REQUIRE(nginx);

  auto answer = query_container_api(socket, kTimeout);
  REQUIRE(answer);
  CHECK(*answer == fixture_text("containers/docker-containers-json.json"));
  auto list = parse_container_api_list(*answer, kSourceDocker);
  REQUIRE(list);
  CHECK(list->containers.size() == 5);
  CHECK(nginx->access_log().find("GET /containers/json?all=1") != std::string::npos);
}

TEST_CASE("real nginx on a Unix socket without the endpoint: the HTTP status is named") {
  SKIP_WITHOUT_SERVERS();
  TempDir work;
  std::filesystem::path socket = work / "podman.sock";
  NginxOptions options;
  options.extra_server_config = "listen unix:" + socket.string() + ";";
  auto nginx = LocalNginx::start(work / "nginx", work.path(), options);
  REQUIRE(nginx);
  auto answer = query_container_api(socket, kTimeout);
  REQUIRE_FALSE(answer);
  CHECK(answer.error().code() == errc::kContainerApiFailed);
  CHECK(answer.error().message().find("HTTP status 404") != std::string::npos);
}

TEST_CASE("a socket path nobody listens on is container_api_failed, not a hang") {
  TempDir work;
  auto answer = query_container_api(work / "docker.sock", kTimeout);
  REQUIRE_FALSE(answer);
  CHECK(answer.error().code() == errc::kContainerApiFailed);
  CHECK(answer.error().message().find("docker.sock") != std::string::npos);
}
