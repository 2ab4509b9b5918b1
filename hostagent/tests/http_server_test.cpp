// hostd's HTTP listener in this process on a real loopback socket: a large answer (the
// /api/v1/guests of thousands of guests is megabytes) arrives whole, and a handler slower
// than the request deadline still gets its answer written (the deadline bounds the client's
// reading and writing, not hostd's own work).
#include <catch2/catch.hpp>
#include <thread>

#include "hostagent/http_server.h"
#include "hostagent/tests/http_client.h"

using namespace hotsplice;
using namespace hotsplice::hostd;

namespace {

// A server on a free port, its io_context on a thread of its own for the test's life.
struct ServerForTest {
  ServerForTest(HttpServer::Handler handler, HttpLimits limits)
      : server(io, log, std::move(handler), limits) {
    REQUIRE(server.listen("127.0.0.1", 0));
    runner = std::thread([this] { io.run(); });
  }
  ~ServerForTest() {
    io.stop();
    runner.join();
  }
  boost::asio::io_context io;
  Logger log{"http_server_test", LogLevel::error};
  HttpServer server;
  std::thread runner;
};

std::string big_json(std::size_t bytes) {
  std::string out = "\"";
  for (std::size_t i = 0; out.size() < bytes; ++i) out += "guest-" + std::to_string(i) + " ";
  return out + "\"";
}

}  // namespace

TEST_CASE("a multi-megabyte answer reaches the client whole") {
  const std::string body = big_json(16 * 1024 * 1024);
  ServerForTest s(
      [&body](const HttpRequest& request) {
        HttpResponse response{HttpStatus::ok, request.version()};
        response.keep_alive(request.keep_alive());
        response.set(boost::beast::http::field::content_type, "application/json");
        response.body() = body;
        response.prepare_payload();
        return response;
      },
      HttpLimits{});
  for (int i = 0; i < 3; ++i) {
    auto answer = hotsplice::testing::http_get(s.server.port(), "/api/v1/guests");
    REQUIRE(answer.status == 200);
    CHECK(answer.body.size() == body.size());
    CHECK(answer.body == body);
  }
}

TEST_CASE("a handler slower than the request deadline still gets its answer written") {
  HttpLimits limits;
  limits.request_timeout = std::chrono::seconds(1);
  ServerForTest s(
      [](const HttpRequest& request) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // > request_timeout
        return json_response(request, Json{{"guests", Json::array({"a", "b"})}});
      },
      limits);
  auto answer = hotsplice::testing::http_get(s.server.port(), "/api/v1/guests");
  REQUIRE(answer.status == 200);
  CHECK(answer.json()["guests"].size() == 2);
}
