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

// A real guestd behind a relay socket (as QEMU's chardev), and a RemoteGuestTarget on it.
struct RelayedGuestd {
  hotsplice::testing::TempDir dir;
  boost::asio::io_context io;
  stream::acceptor guest_side{io, stream::endpoint((dir / "port.sock").string())};
  stream::acceptor host_side{io, stream::endpoint((dir / "channel.sock").string())};
  std::shared_ptr<stream::socket> guest = std::make_shared<stream::socket>(io);
  std::shared_ptr<stream::socket> host = std::make_shared<stream::socket>(io);
  std::optional<Guestd> guestd;
  Logger log{"hostd-test"};
  TimeoutConfig timeouts;
  std::unique_ptr<PatchTarget> target;

  RelayedGuestd() {
    guest_side.async_accept(*guest, [this](boost::system::error_code ec) {
      REQUIRE_FALSE(ec);
      host_side.async_accept(*host, [this](boost::system::error_code ec2) {
        REQUIRE_FALSE(ec2);
        pump(guest, host);
        pump(host, guest);
      });
    });
    std::filesystem::create_directories(dir / "keys");
    guestd.emplace(
        std::vector<std::string>{
            HOTSPLICE_GUESTD_DEBUG_BINARY, "--port-path", (dir / "port.sock").string(),
            "--state-dir", (dir / "state").string(), "--keys-dir", (dir / "keys").string(),
            "--root", HOTSPLICE_KERNEL_FIXTURES "/host-6.18.44-fc", "--log-level", "debug"},
        dir / "guestd.log");
    GuestInfo info;
    info.uuid = "uuid-1";
    info.name = "guest1";
    info.running = true;
    info.channel_path = (dir / "channel.sock").string();
    info.channel_connected = true;
    info.kind = "kvm";
    target = remote_guest_targets(io, timeouts, log)(info);
  }
  Expected<TargetHello> handshake() {
    std::optional<Expected<TargetHello>> hello;
    target->handshake([&](Expected<TargetHello> h) { hello = std::move(h); });
    run_until(io, hello);
    return std::move(*hello);
  }
};

}  // namespace

TEST_CASE("a RemoteGuestTarget handshakes with, transfers to and is refused by a real guestd") {
  RelayedGuestd g;
  auto& io = g.io;
  auto& dir = g.dir;
  auto& target = g.target;
  std::optional<Error> lost;  // hostd's own close below is no loss
  target->on_lost([&](const Error& why) { lost = why; });
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
  io.restart();
  io.run_for(std::chrono::milliseconds(200));
  CHECK_FALSE(lost);
}

TEST_CASE("an idle RemoteGuestTarget reports the loss of its agent") {
  RelayedGuestd g;
  std::optional<Error> lost;
  g.target->on_lost([&](const Error& why) { lost = why; });
  INFO("guestd log: " << g.dir.path() / "guestd.log");
  REQUIRE(g.handshake());
  // The guest side goes away while nothing is pending (as a guest that reboots or whose
  // agent dies): nobody waits for an answer, so only on_lost can tell the engine.
  g.host->close();
  run_until(g.io, lost);
  CHECK(lost->code() == errc::kChannelClosed);
}
