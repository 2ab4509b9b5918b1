// ChannelConnection against real unix sockets served by asio acceptors in the test.
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include "hostagent/channel_connection.h"
#include "hostagent/error_codes.h"
#include "tests/support/temp_dir.h"

using namespace hotsplice;
using namespace hotsplice::hostd;
using stream = boost::asio::local::stream_protocol;

namespace {

// A guest end: accepts one connection and keeps it (reading only when told to).
struct GuestEnd {
  stream::acceptor acceptor;
  std::optional<stream::socket> peer;
  explicit GuestEnd(asio::io_context& io, const std::filesystem::path& path)
      : acceptor(io, stream::endpoint(path.string())) {
    acceptor.async_accept([this](boost::system::error_code ec, stream::socket socket) {
      if (!ec) peer.emplace(std::move(socket));
    });
  }
};

struct Closed {
  std::optional<Error> why;
  std::string received;
  int drained = 0;
  ChannelConnection::Handlers handlers() {
    return {[this](std::string_view bytes) { received.append(bytes); },
            [this](const Error& error) { why = error; }, [this] { ++drained; }};
  }
};

void run_until(asio::io_context& io, const std::function<bool()>& done,
               std::chrono::seconds limit = std::chrono::seconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(10));
    io.restart();
  }
  REQUIRE(done());
}

}  // namespace

TEST_CASE("connecting to a missing socket fails with channel_connect") {
  hotsplice::testing::TempDir dir;
  asio::io_context io;
  Closed closed;
  auto connection = ChannelConnection::create(io, {}, closed.handlers());
  std::optional<Status> result;
  connection->connect((dir / "absent.sock").string(), [&](Status s) { result = s; });
  run_until(io, [&] { return result.has_value(); });
  REQUIRE_FALSE(*result);
  CHECK(result->error().code() == errc::kChannelConnect);
}

TEST_CASE("bytes travel both ways and the guest's hang-up is reported") {
  hotsplice::testing::TempDir dir;
  asio::io_context io;
  GuestEnd guest(io, dir / "g.sock");
  Closed closed;
  auto connection = ChannelConnection::create(io, {}, closed.handlers());
  std::optional<Status> result;
  connection->connect((dir / "g.sock").string(), [&](Status s) { result = s; });
  run_until(io, [&] { return result.has_value() && guest.peer.has_value(); });
  REQUIRE(*result);
  REQUIRE(connection->write("hello guest"));
  std::string got(11, '\0');
  asio::read(*guest.peer, asio::buffer(got));
  CHECK(got == "hello guest");
  run_until(io, [&] { return closed.drained == 1; });  // the queue emptied once
  asio::write(*guest.peer, asio::buffer(std::string("hello host")));
  run_until(io, [&] { return closed.received == "hello host"; });
  guest.peer->close();
  run_until(io, [&] { return closed.why.has_value(); });
  CHECK(closed.why->code() == errc::kChannelClosed);
}

TEST_CASE("a guest that stops reading times out alone and its queue is dropped") {
  hotsplice::testing::TempDir dir;
  asio::io_context io;
  GuestEnd stalled(io, dir / "stalled.sock");
  GuestEnd healthy(io, dir / "healthy.sock");
  ChannelOptions options;
  options.write_timeout = std::chrono::milliseconds(300);
  options.max_queued_bytes = 64 * 1024 * 1024;
  Closed stalled_closed;
  Closed healthy_closed;
  auto a = ChannelConnection::create(io, options, stalled_closed.handlers());
  auto b = ChannelConnection::create(io, options, healthy_closed.handlers());
  int connected = 0;
  a->connect((dir / "stalled.sock").string(), [&](Status s) { connected += s.has_value(); });
  b->connect((dir / "healthy.sock").string(), [&](Status s) { connected += s.has_value(); });
  run_until(io, [&] { return connected == 2 && stalled.peer && healthy.peer; });
  // Far more than the socket buffers hold; the guest never reads.
  for (int i = 0; i < 16; ++i) REQUIRE(a->write(std::string(1024 * 1024, 'x')));
  CHECK(a->queued_bytes() > 0);
  run_until(io, [&] { return stalled_closed.why.has_value(); });
  CHECK(stalled_closed.why->code() == errc::kChannelTimeout);
  CHECK_THAT(stalled_closed.why->message(), Catch::Contains("stopped reading"));
  CHECK(a->queued_bytes() == 0);
  // The other guest's channel was never held up.
  REQUIRE(b->write("still here"));
  std::string got(10, '\0');
  asio::read(*healthy.peer, asio::buffer(got));
  CHECK(got == "still here");
  CHECK_FALSE(healthy_closed.why.has_value());
}

TEST_CASE("the write queue is bounded") {
  hotsplice::testing::TempDir dir;
  asio::io_context io;
  GuestEnd guest(io, dir / "g.sock");
  ChannelOptions options;
  options.max_queued_bytes = 1000;
  Closed closed;
  auto connection = ChannelConnection::create(io, options, closed.handlers());
  connection->connect((dir / "g.sock").string(), [](Status) {});
  run_until(io, [&] { return guest.peer.has_value(); });
  REQUIRE(connection->write(std::string(600, 'a')));
  auto refused = connection->write(std::string(600, 'b'));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == errc::kChannelQueueFull);
}

TEST_CASE("a read timeout closes a channel whose guest never answers") {
  hotsplice::testing::TempDir dir;
  asio::io_context io;
  GuestEnd guest(io, dir / "g.sock");
  Closed closed;
  auto connection = ChannelConnection::create(io, {}, closed.handlers());
  connection->connect((dir / "g.sock").string(), [](Status) {});
  run_until(io, [&] { return guest.peer.has_value(); });
  connection->set_read_timeout(std::chrono::milliseconds(200));
  run_until(io, [&] { return closed.why.has_value(); });
  CHECK(closed.why->code() == errc::kChannelTimeout);
}
