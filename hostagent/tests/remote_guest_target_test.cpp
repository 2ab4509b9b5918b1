// RemoteGuestTarget against the real hotsplice-guestd binary. guestd's --port-path connects
// to a Unix socket as if it were its virtio port; the test relays between that socket and
// the one RemoteGuestTarget connects to, as QEMU's chardev does. The guest's kernel is a
// recorded tree (--root), so identity is real and an apply fails for real (the bundle is
// not a signed bundle): the handshake, the transfer and a guest refusal all cross the wire.
#include <fcntl.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>

#include "hostagent/error_codes.h"
#include "hostagent/guest_directory.h"
#include "hostagent/remote_guest_target.h"
#include "tests/support/temp_dir.h"

extern char** environ;

using namespace hotsplice;
using namespace hotsplice::hostd;
using stream = boost::asio::local::stream_protocol;

namespace {

// Copies bytes from one socket to the other until either side closes.
void pump(
    std::shared_ptr<stream::socket> from, std::shared_ptr<stream::socket> to,
    std::shared_ptr<std::array<char, 65536>> buffer = std::make_shared<std::array<char, 65536>>()) {
  from->async_read_some(boost::asio::buffer(*buffer),
                        [=](boost::system::error_code ec, std::size_t n) {
                          if (ec) {
                            to->close();
                            return;
                          }
                          boost::asio::async_write(*to, boost::asio::buffer(buffer->data(), n),
                                                   [=](boost::system::error_code wec, std::size_t) {
                                                     if (!wec) pump(from, to, buffer);
                                                   });
                        });
}

struct Guestd {
  pid_t pid = -1;
  Guestd(const std::vector<std::string>& args, const std::filesystem::path& log) {
    std::vector<std::string> argv = args;
    std::vector<char*> c;
    for (auto& a : argv) c.push_back(a.data());
    c.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    REQUIRE(posix_spawn(&pid, c[0], &actions, nullptr, c.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Guestd() {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
};

template <typename T>
void run_until(boost::asio::io_context& io, const std::optional<T>& value) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!value && std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(20));
    io.restart();
  }
  REQUIRE(value.has_value());
}

}  // namespace

TEST_CASE("a RemoteGuestTarget handshakes with, transfers to and is refused by a real guestd") {
  hotsplice::testing::TempDir dir;
  boost::asio::io_context io;
  stream::acceptor guest_side(io, stream::endpoint((dir / "port.sock").string()));
  stream::acceptor host_side(io, stream::endpoint((dir / "channel.sock").string()));
  auto guest = std::make_shared<stream::socket>(io);
  auto host = std::make_shared<stream::socket>(io);
  guest_side.async_accept(*guest, [&](boost::system::error_code ec) {
    REQUIRE_FALSE(ec);
    host_side.async_accept(*host, [&](boost::system::error_code ec2) {
      REQUIRE_FALSE(ec2);
      pump(guest, host);
      pump(host, guest);
    });
  });
  std::filesystem::create_directories(dir / "keys");
  Guestd guestd({HOTSPLICE_GUESTD_DEBUG_BINARY, "--port-path", (dir / "port.sock").string(),
                 "--state-dir", (dir / "state").string(), "--keys-dir", (dir / "keys").string(),
                 "--root", HOTSPLICE_KERNEL_FIXTURES "/host-6.18.44-fc", "--log-level", "debug"},
                dir / "guestd.log");
  Logger log("hostd-test");
  TimeoutConfig timeouts;
  GuestInfo info;
  info.uuid = "uuid-1";
  info.name = "guest1";
  info.running = true;
  info.channel_path = (dir / "channel.sock").string();
  info.channel_connected = true;
  info.kind = "kvm";
  auto target = remote_guest_targets(io, timeouts, log)(info);

  std::optional<Expected<TargetHello>> hello;
  target->handshake([&](Expected<TargetHello> h) { hello = std::move(h); });
  run_until(io, hello);
  INFO("guestd log: " << dir.path() / "guestd.log");
  REQUIRE(*hello);
  CHECK((*hello)->kernel.release == "6.18.44-fc-v595");
  CHECK((*hello)->applied.empty());

  auto bundle = std::make_shared<const std::string>(std::string(200 * 1024, 'b'));
  std::optional<Status> sent;
  target->send_bundle("hs-test", bundle, [&](Status s) { sent = std::move(s); });
  run_until(io, sent);
  REQUIRE(*sent);  // guestd verified the bytes' sha256 (transfer_complete)

  std::optional<Status> applied;
  target->apply("hs-test", [&](Status s) { applied = std::move(s); });
  run_until(io, applied);
  REQUIRE_FALSE(*applied);  // 200 KiB of 'b' is no signed bundle: the guest says why
  CHECK_FALSE(applied->error().code().empty());
  CHECK(applied->error().code().rfind("channel_", 0) != 0);  // the guest's code, not ours

  // The refresh of an established session asks for the inventory.
  std::optional<Expected<TargetHello>> again;
  target->handshake([&](Expected<TargetHello> h) { again = std::move(h); });
  run_until(io, again);
  REQUIRE(*again);
  CHECK((*again)->kernel == (*hello)->kernel);

  // Closing answers nothing late and leaves no session behind.
  target->close();
  std::optional<Status> after;
  target->apply("hs-test", [&](Status s) { after = std::move(s); });
  run_until(io, after);
  REQUIRE_FALSE(*after);
  CHECK(after->error().code() == errc::kTargetClosed);
}
