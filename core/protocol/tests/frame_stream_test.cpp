#include "core/protocol/frame_stream.h"

#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <thread>

#include "core/protocol/channel_sync.h"
#include "core/protocol/tests/protocol_test_helpers.h"

namespace hotsplice::protocol {
namespace {

using namespace std::chrono_literals;

// Both ends of a connected Unix stream socket pair, closed at scope exit.
struct SocketPair {
  int host = -1;
  int guest = -1;
  SocketPair() {
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    host = fds[0];
    guest = fds[1];
  }
  ~SocketPair() {
    close_host();
    close_guest();
  }
  void close_host() { host = host >= 0 ? (::close(host), -1) : -1; }
  void close_guest() { guest = guest >= 0 ? (::close(guest), -1) : -1; }
};

void write_raw(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t written = ::write(fd, bytes.data(), bytes.size());
    REQUIRE(written > 0);
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
}

TEST_CASE("messages cross a socket pair, including a large chunk") {
  SocketPair pair;
  FrameStream host(pair.host);
  FrameStream guest(pair.guest);
  Chunk chunk{1, test::sample_sha256(), 0, std::string(kMaxChunkBytes, '\x5a')};
  // The chunk is larger than the socket buffer: read it while it is written.
  std::thread sender([&] { CHECK(host.send(chunk, 5s)); });
  auto incoming = guest.receive(5s);
  sender.join();
  REQUIRE(incoming);
  REQUIRE(incoming->message);
  CHECK(std::get<Chunk>(*incoming->message) == chunk);

  REQUIRE(guest.send(Heartbeat{Correlation::reply_to(1), 9}, 1s));
  incoming = host.receive(1s);
  REQUIRE(incoming);
  REQUIRE(incoming->message);
  CHECK(std::get<Heartbeat>(*incoming->message).seq == 9);
}

TEST_CASE("a refused message is reported with its request id and the channel stays usable") {
  SocketPair pair;
  FrameStream guest(pair.guest);
  write_raw(pair.host, test::encoded(Json{{"type", "apply"}, {"id", 12}, {"bundle_id", "../x"}}));
  write_raw(pair.host, test::encoded(Apply{13, "fix-1"}));
  auto refused = guest.receive(1s);
  REQUIRE(refused);
  REQUIRE_FALSE(refused->message);
  CHECK(refused->message.error().code() == "invalid_field");
  CHECK(refused->request_id == 12u);
  auto accepted = guest.receive(1s);
  REQUIRE(accepted);
  REQUIRE(accepted->message);
  CHECK(std::get<Apply>(*accepted->message).id == 13);
}

TEST_CASE("receive times out on a silent peer and reports a closed one") {
  SocketPair pair;
  FrameStream host(pair.host);
  auto started = std::chrono::steady_clock::now();
  auto silent = host.receive(100ms);
  REQUIRE_FALSE(silent);
  CHECK(silent.error().code() == "timeout");
  CHECK(std::chrono::steady_clock::now() - started >= 100ms);

  write_raw(pair.guest, std::string("\0\x05half", 6));
  pair.close_guest();
  auto closed = host.receive(1s);
  REQUIRE_FALSE(closed);
  CHECK(closed.error().code() == "disconnected");
  CHECK(host.send(Sync{1, 1}, 1s).error().code() == "disconnected");
}

TEST_CASE("sync skips garbage and stale replies until the sync_ack with its nonce") {
  SocketPair pair;
  // What an earlier session left in the port, before the guest agent answers anything.
  std::string stale_frame = test::encoded(Result{3, true, "ok", "old", std::nullopt});
  write_raw(pair.guest, "\x13\x37garbage\xff\xfe");
  write_raw(pair.guest, stale_frame.substr(0, stale_frame.size() / 2));  // half a frame
  write_raw(pair.guest, test::encoded(SyncAck{1, 111}));                 // an earlier host's sync
  write_raw(pair.guest, stale_frame);

  std::thread guest_agent([&] {
    FrameStream guest(pair.guest);
    for (;;) {
      auto incoming = guest.receive(5s);
      REQUIRE(incoming);
      REQUIRE(incoming->message);
      if (const auto* sync = std::get_if<Sync>(&*incoming->message)) {
        CHECK(guest.send(Heartbeat{Correlation::request(1), 5}, 1s));  // noise before the ack
        CHECK(guest.send(SyncAck{sync->id, sync->nonce}, 1s));
        return;
      }
    }
  });
  FrameStream host(pair.host);
  auto ack = synchronise(host, 77, 0xC0FFEE, 5s);
  guest_agent.join();
  REQUIRE(ack);
  CHECK(ack->re == 77);
  CHECK(ack->nonce == 0xC0FFEE);
  CHECK(host.decoder().discarded_bytes() > 0);
}

TEST_CASE("sync times out when no agent answers") {
  SocketPair pair;
  FrameStream host(pair.host);
  auto ack = synchronise(host, 1, random_nonce(), 150ms);
  REQUIRE_FALSE(ack);
  CHECK(ack.error().code() == "timeout");
}

}  // namespace
}  // namespace hotsplice::protocol
