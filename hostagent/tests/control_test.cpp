// The control protocol and server over a real unix socket, with the real client.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <future>
#include <thread>

#include "core/base/unique_fd.h"
#include "hostagent/control_client.h"
#include "hostagent/control_server.h"
#include "hostagent/error_codes.h"
#include "tests/support/temp_dir.h"

using namespace hotsplice;
using namespace hotsplice::hostd;

TEST_CASE("requests round-trip and malformed ones are refused naming the problem") {
  ControlRequest apply;
  apply.command = ControlCommand::apply;
  apply.guest = "web1";
  apply.patch = "hs-1";
  CHECK(*parse_request(encode_request(apply)) == apply);
  ControlRequest pause;
  pause.command = ControlCommand::rollout;
  pause.action = RolloutAction::pause;
  CHECK(*parse_request(encode_request(pause)) == pause);
  CHECK(parse_request("{").error().code() == errc::kControlBadRequest);
  CHECK(parse_request(R"({"command": "reboot"})").error().code() == errc::kControlUnknownCommand);
  CHECK_THAT(parse_request(R"({"command": "apply"})").error().message(), Catch::Contains("guest"));
  CHECK_THAT(parse_request(R"({"command": "rollback", "guest": "a"})").error().message(),
             Catch::Contains("patch"));
  CHECK_THAT(parse_request(R"({"command": "rollout", "action": "explode"})").error().message(),
             Catch::Contains("action"));
  CHECK_THAT(parse_request(R"({"command": "status", "extra": 1})").error().message(),
             Catch::Contains("extra"));
  CHECK(parse_request(std::string(kMaxControlRequestBytes + 1, ' ')).error().code() ==
        errc::kControlTooLarge);
  CHECK(
      parse_response(encode_error(Error(errc::kUnknownGuest, "no guest named x"))).error().code() ==
      "unknown_guest");
  CHECK(parse_response("[]").error().code() == errc::kControlBadResponse);
}

TEST_CASE("the server answers on a 0600 socket, refuses garbage, and a slow client blocks no one") {
  hotsplice::testing::TempDir dir;
  auto path = dir / "run" / "hostd.sock";
  boost::asio::io_context io;
  Logger log("hostd-test");
  ControlServer server(io, log, [](const ControlRequest& request) {
    return encode_ok({{"command", static_cast<int>(request.command)}});
  });
  REQUIRE(server.listen(path));
  struct stat info {};
  REQUIRE(::stat(path.c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  std::thread loop([&] {
    auto guard = boost::asio::make_work_guard(io);
    io.run();
  });
  // A client that connects and sends nothing holds only its own connection.
  UniqueFd idle(::socket(AF_UNIX, SOCK_STREAM, 0));
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
  REQUIRE(::connect(idle.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  ControlRequest status;
  auto answer = call_hostd(path, status, std::chrono::seconds(5));
  REQUIRE(answer);
  CHECK((*answer)["command"] == 0);
  // Garbage gets an error response, not a hang or a crash.
  UniqueFd raw(::socket(AF_UNIX, SOCK_STREAM, 0));
  REQUIRE(::connect(raw.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  std::string garbage = "\x01\x02not json\n";
  REQUIRE(::write(raw.get(), garbage.data(), garbage.size()) ==
          static_cast<ssize_t>(garbage.size()));
  std::string reply;
  char buffer[4096];
  for (ssize_t n; (n = ::read(raw.get(), buffer, sizeof buffer)) > 0;) reply.append(buffer, n);
  CHECK_THAT(reply, Catch::Contains("bad_request"));
  boost::asio::post(io, [&] {
    server.stop();
    io.stop();
  });
  loop.join();
  CHECK_FALSE(std::filesystem::exists(path));
}
