// The channel loop against a host that writes without reading (the field case in
// shared/field-cases/channel): the agent must keep reading while its replies pile up, so
// the host's writes complete and its hang-up is seen, with the replies beyond the bound
// dropped and counted. Over a socketpair; the same case through QEMU's virtio-serial is a
// VM test (tests/vm/guestd_channel_test.cpp).
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <chrono>
#include <future>

#include "core/apply/patch_manager.h"
#include "core/apply/tests/fake_kernel.h"
#include "core/protocol/transfer_receiver.h"
#include "guestagent/channel.h"
#include "guestagent/session.h"

using namespace hotsplice;
using namespace hotsplice::guestd;
using namespace hotsplice::apply;
using namespace hotsplice::testing;
using namespace std::chrono_literals;

namespace {

// Writes all of bytes to a non-blocking fd within deadline; false when it could not.
bool write_within(int fd, std::string_view bytes, std::chrono::steady_clock::time_point deadline) {
  while (!bytes.empty()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd descriptor{fd, POLLOUT, 0};
    if (::poll(&descriptor, 1, static_cast<int>(left.count())) <= 0) continue;
    ssize_t written = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (written > 0) bytes.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

}  // namespace

TEST_CASE("channel: a host that floods without reading stalls only itself") {
  TempDir dir;
  auto store = StateStore::open(dir / "state").value();
  TrustedKeys keys;
  FakeKernel kernel(dir.path());
  PatchManager patches(dir.path(), kRunning, {}, keys, store, kernel, test_log());
  auto receiver =
      protocol::TransferReceiver::open(store.staging_dir(), protocol::kMaxBundleBytes).value();
  Session session(patches, receiver, test_log());
  auto signals = Signals::open().value();
  int fds[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
  const int guest_fd = fds[0];
  const int host_fd = fds[1];

  ChannelStats stats;
  auto served = std::async(std::launch::async, [&] {
    return serve_channel(guest_fd, session, signals, stats, test_log());
  });

  // 1 MiB in which every "01 00" pair is a frame that fails to decode: each asks for an
  // error reply (~100 bytes), 50 MiB of replies in all, none of which the host reads.
  std::string flood;
  for (int i = 0; i < 512 * 1024; ++i) flood += std::string("\x01\x00", 2);
  // Before the fix the agent stopped reading at 256 KiB of queued replies, and this write
  // never completed.
  CHECK(write_within(host_fd, flood, std::chrono::steady_clock::now() + 60s));
  ::close(host_fd);

  REQUIRE(served.wait_for(20s) == std::future_status::ready);
  CHECK(served.get() == ChannelEnd::host_gone);
  // Most of the flood was read while the output was full (the rest may still sit in the
  // socket when a write fails with EPIPE, which ends the session just as well).
  CHECK(stats.frames_received > 256 * 1024);
  CHECK(stats.replies_dropped > 0);
  CHECK(stats.replies_dropped < stats.frames_received);
  ::close(guest_fd);
}
