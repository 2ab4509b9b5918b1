// The session driven over a socketpair, as the host would drive it, with a fake kernel
// (fake_kernel.h). The real kernel is exercised by the VM tests (tests/vm/guestd_*_test.cpp).
#include <sys/socket.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <thread>

#include "core/apply/patch_manager.h"
#include "core/apply/tests/fake_kernel.h"
#include "core/crypto/sha256.h"
#include "core/platform/error_codes.h"
#include "core/protocol/frame_stream.h"
#include "core/protocol/transfer_receiver.h"
#include "guestagent/channel.h"
#include "guestagent/session.h"

using namespace hotsplice;
using namespace hotsplice::guestd;
using namespace hotsplice::apply;
using namespace hotsplice::protocol;
using namespace hotsplice::testing;
using namespace std::chrono_literals;

namespace {

// The guest side on one end of a socketpair, served on a thread; the test is the host.
class Harness {
 public:
  explicit Harness(platform::Environment environment = {Environment::Kind::vm, "kvm"})
      : key_(Ed25519PrivateKey::generate().value()),
        store_(StateStore::open(dir_ / "state").value()),
        kernel_(dir_.path()),
        patches_(dir_.path(), kRunning, environment, keys_, store_, kernel_, test_log(),
                 {200ms, 100ms}),
        receiver_(TransferReceiver::open(store_.staging_dir(), kMaxBundleBytes).value()),
        session_(patches_, receiver_, test_log()),
        signals_(Signals::open().value()) {
    keys_.add(key_.public_key());
    int fds[2];
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
    guest_fd_ = fds[0];
    host_fd_ = fds[1];
    host_.emplace(host_fd_);
    server_ = std::thread([this] {
      ChannelStats stats;
      serve_channel(guest_fd_, session_, signals_, stats, test_log());
    });
  }
  ~Harness() {
    ::shutdown(host_fd_, SHUT_RDWR);
    server_.join();
    ::close(host_fd_);
    ::close(guest_fd_);
  }

  Message exchange(const Message& request) {
    REQUIRE(host_->send(request, 5s));
    return receive();
  }
  Message receive() {
    auto incoming = host_->receive(10s);
    REQUIRE(incoming);
    REQUIRE(incoming->message);
    return std::move(*incoming->message);
  }
  // Offers and sends bytes [0, until) of a bundle; returns the last reply when complete.
  void transfer(const std::string& bundle, std::string bundle_id = "hs-test-0001") {
    auto accept = exchange(Offer{1, bundle_id, sha256_hex(bundle), bundle.size()});
    REQUIRE(std::holds_alternative<OfferAccept>(accept));
    std::uint64_t offset = std::get<OfferAccept>(accept).offset;
    REQUIRE(host_->send(Chunk{2, sha256_hex(bundle), offset, bundle.substr(offset)}, 5s));
    auto complete = receive();
    REQUIRE(std::holds_alternative<TransferComplete>(complete));
  }
  Result apply(std::string bundle_id = "hs-test-0001") {
    auto reply = exchange(Apply{3, bundle_id});
    REQUIRE(std::holds_alternative<Result>(reply));
    return std::get<Result>(reply);
  }

  TempDir dir_;
  Ed25519PrivateKey key_;
  TrustedKeys keys_;
  StateStore store_;
  FakeKernel kernel_;
  PatchManager patches_;
  TransferReceiver receiver_;
  Session session_;
  Signals signals_;
  int guest_fd_ = -1;
  int host_fd_ = -1;
  std::optional<FrameStream> host_;
  std::thread server_;
};

}  // namespace

TEST_CASE("session: sync, hello, heartbeat, and garbage answered with errors") {
  Harness harness;
  auto ack = harness.exchange(Sync{7, 0x1234});
  REQUIRE(std::holds_alternative<SyncAck>(ack));
  CHECK(std::get<SyncAck>(ack) == SyncAck{7, 0x1234});

  Hello hello;
  hello.correlation = Correlation::request(8);
  hello.role = Role::host;
  hello.agent_version = "test";
  hello.kernel = kRunning;
  auto reply = harness.exchange(hello);
  REQUIRE(std::holds_alternative<Hello>(reply));
  CHECK(std::get<Hello>(reply).correlation == Correlation::reply_to(8));
  CHECK(std::get<Hello>(reply).kernel == kRunning);
  CHECK(std::get<Hello>(reply).environment == Environment{Environment::Kind::vm, "kvm"});

  REQUIRE(::write(harness.host_fd_, "\0garbage\x01\x02\x03\0", 13) == 13);
  auto error = harness.receive();
  REQUIRE(std::holds_alternative<ErrorMessage>(error));

  auto beat = harness.exchange(Heartbeat{Correlation::request(9), 42});
  REQUIRE(std::holds_alternative<Heartbeat>(beat));
  CHECK(std::get<Heartbeat>(beat).seq == 42);

  auto unexpected = harness.exchange(SyncAck{1, 1});
  REQUIRE(std::holds_alternative<ErrorMessage>(unexpected));
  CHECK(std::get<ErrorMessage>(unexpected).code == "unexpected_message");
}

TEST_CASE("session: a bundle is applied, reported, stored and rolled back (fake kernel)") {
  Harness harness;
  harness.transfer(make_bundle(compile_module(harness.dir_, true), harness.key_));
  Result applied = harness.apply();
  INFO(applied.message);
  REQUIRE(applied.ok);
  REQUIRE(applied.state);
  CHECK((*applied.state)["name"] == kModule);
  CHECK((*applied.state)["enabled"] == true);
  CHECK((*applied.state)["bundle_id"] == "hs-test-0001");
  CHECK(harness.store_.applied_ids() == std::vector<std::string>{"hs-test-0001"});

  auto inventory = harness.exchange(InventoryRequest{4});
  REQUIRE(std::holds_alternative<Inventory>(inventory));
  REQUIRE(std::get<Inventory>(inventory).applied_patches.size() == 1);
  CHECK(std::get<Inventory>(inventory).applied_patches[0] ==
        AppliedPatch{"hs-test-0001", kModule, true, false});

  auto rolled = harness.exchange(Rollback{5, "hs-test-0001"});
  REQUIRE(std::holds_alternative<Result>(rolled));
  CHECK(std::get<Result>(rolled).ok);
  CHECK(harness.kernel_.unloads == 1);
  CHECK(harness.store_.applied_ids().empty());

  auto again = harness.exchange(Rollback{6, "hs-test-0001"});
  CHECK(std::get<Result>(again).code == "not_applied");
}

TEST_CASE("session: refusals leave the fake kernel untouched") {
  Harness harness;
  std::string module = compile_module(harness.dir_, true);
  std::string code;
  SECTION("another kernel") {
    KernelIdentity other = kRunning;
    other.build_id = "00112233445566778899aabbccddeeff00112233";
    harness.transfer(make_bundle(module, harness.key_, other));
    code = harness.apply().code;
    CHECK(code == "wrong_kernel");
  }
  SECTION("an untrusted key") {
    harness.transfer(make_bundle(module, *Ed25519PrivateKey::generate()));
    CHECK(harness.apply().code == "unknown_key");
  }
  SECTION("a tampered module") {
    std::string bundle = make_bundle(module, harness.key_);
    bundle[bundle.size() - 10] ^= 0x55;
    harness.transfer(bundle);
    CHECK(harness.apply().code == "module_sha256_mismatch");
  }
  SECTION("not a livepatch module") {
    harness.transfer(make_bundle(compile_module(harness.dir_, false), harness.key_));
    CHECK(harness.apply().code == "not_livepatch");
  }
  SECTION("the kernel refuses the module") {
    harness.kernel_.refuse_errno = ENOEXEC;
    harness.transfer(make_bundle(module, harness.key_));
    CHECK(harness.apply().code == "module_rejected");
  }
  SECTION("apply without a transfer") {
    CHECK(harness.apply("hs-other").code == "not_transferred");
  }
  SECTION("apply of a bundle only partly received") {
    std::string bundle = make_bundle(module, harness.key_);
    auto accept = harness.exchange(Offer{1, "hs-test-0001", sha256_hex(bundle), bundle.size()});
    REQUIRE(std::holds_alternative<OfferAccept>(accept));
    // Half the bytes: the guest answers nothing until the transfer is complete.
    REQUIRE(harness.host_->send(
        Chunk{2, sha256_hex(bundle), 0, bundle.substr(0, bundle.size() / 2)}, 5s));
    CHECK(harness.apply().code == "transfer_incomplete");
  }
  CHECK_FALSE(harness.kernel_.loaded);
  CHECK(harness.store_.applied_ids().empty());
}

TEST_CASE("session: a stalled transition is rolled back (fake kernel)") {
  Harness harness;
  harness.kernel_.stall = true;
  harness.transfer(make_bundle(compile_module(harness.dir_, true), harness.key_));
  Result result = harness.apply();
  CHECK_FALSE(result.ok);
  CHECK(result.code == "transition_stalled");
  CHECK(result.message.find("rolled back") != std::string::npos);
  CHECK_FALSE(harness.kernel_.loaded);
  CHECK(harness.kernel_.unloads == 1);
  CHECK(harness.store_.applied_ids().empty());
}

TEST_CASE("session: refuses to apply inside a shared-kernel container") {
  Harness harness(Environment{Environment::Kind::container, "openvz"});
  harness.transfer(make_bundle(compile_module(harness.dir_, true), harness.key_));
  CHECK(harness.apply().code == platform::errc::kSharedKernelContainer);
  CHECK_FALSE(harness.kernel_.loaded);
}
