// The host's protocol engine (core/protocol/host_session.h) against the real guest agent's
// Session, PatchManager, StateStore and TransferReceiver, in one process: every byte the
// host queues is decoded and handled by the guest exactly as guestd's channel loop does,
// and every reply goes back through HostSession::on_bytes. The kernel is the FakeKernel of
// fake_kernel.h; the real one is in tests/vm.
#include <catch2/catch.hpp>

#include "core/apply/patch_manager.h"
#include "core/apply/tests/fake_kernel.h"
#include "core/protocol/frame_stream.h"
#include "core/protocol/host_session.h"
#include "core/protocol/transfer_receiver.h"
#include "guestagent/session.h"

using namespace hotsplice;
using namespace hotsplice::guestd;
using namespace hotsplice::apply;
using namespace hotsplice::protocol;
using namespace hotsplice::testing;
using namespace std::chrono_literals;

namespace {

// The test's own codes: the pair stopped carrying bytes at the test's bound (a disconnect in
// the middle of a transfer), or produced no event at all (the test has failed already).
constexpr char kCutByTest[] = "cut";
constexpr char kNoEvent[] = "no_event";

class Pair {
 public:
  explicit Pair(HostSessionOptions options = small_chunks())
      : key_(Ed25519PrivateKey::generate().value()),
        store_(StateStore::open(dir_ / "state").value()),
        kernel_(dir_.path()),
        patches_(dir_.path(), kRunning, {Environment::Kind::vm, "kvm"}, keys_, store_, kernel_,
                 test_log(), {200ms, 100ms}),
        receiver_(TransferReceiver::open(store_.staging_dir(), kMaxBundleBytes).value()),
        guest_(patches_, receiver_, test_log()),
        options_(std::move(options)) {
    keys_.add(key_.public_key());
  }

  static HostSessionOptions small_chunks() {
    HostSessionOptions options;
    options.chunk_bytes = 4096;
    options.window_bytes = 16 * 1024;
    return options;
  }

  // A new connection: a fresh HostSession (and a fresh guest-side decoder, as guestd has per
  // connection), synchronised and greeted.
  Hello connect() {
    host_.emplace(options_);
    guest_decoder_.emplace();
    host_->start();
    return std::get<Ready>(wait_for_event()).hello;
  }

  // Moves bytes both ways until the host has an event; the guest handles requests inline
  // (an apply blocks for as long as the fake transition takes, as it does in guestd).
  HostEvent wait_for_event(std::optional<std::uint64_t> stop_writing_after = {}) {
    for (int rounds = 0; rounds < 100000; ++rounds) {
      auto events = host_->take_events();
      if (!events.empty()) {
        REQUIRE(events.size() == 1);
        return std::move(events[0]);
      }
      std::string output = host_->take_output();
      std::string_view input = output;
      std::string replies;
      while (auto frame = guest_decoder_->decode(input)) {
        for (const Message& reply : guest_.handle(to_incoming(std::move(*frame)))) {
          replies += encode_message(reply).value();
        }
      }
      // The host vanishes once it wrote that much of a transfer: its replies go nowhere.
      auto progress = host_->transfer_progress();
      if (stop_writing_after && progress && progress->queued >= *stop_writing_after) {
        return SessionFailed{Error(kCutByTest, "the test cut the connection")};
      }
      host_->on_bytes(replies);
      if (output.empty() && replies.empty()) host_->tick();
    }
    FAIL("no event from the host session");
    return SessionFailed{Error(kNoEvent, "no event from the host session")};
  }

  template <typename T>
  T expect(HostEvent event) {
    if (auto* failed = std::get_if<SessionFailed>(&event)) {
      FAIL("session failed: " << failed->error.code() << ": " << failed->error.message());
    }
    REQUIRE(std::holds_alternative<T>(event));
    return std::get<T>(std::move(event));
  }

  TransferDone transfer(const std::string& id, std::shared_ptr<const std::string> bundle) {
    REQUIRE(host_->send_bundle(id, std::move(bundle)));
    return expect<TransferDone>(wait_for_event());
  }
  Result apply(const std::string& id) {
    REQUIRE(host_->apply(id));
    RequestResult result = expect<RequestResult>(wait_for_event());
    CHECK(result.kind == RequestKind::apply);
    CHECK(result.bundle_id == id);
    return result.result;
  }

  TempDir dir_;
  Ed25519PrivateKey key_;
  TrustedKeys keys_;
  StateStore store_;
  FakeKernel kernel_;
  PatchManager patches_;
  TransferReceiver receiver_;
  Session guest_;
  HostSessionOptions options_;
  std::optional<HostSession> host_;
  std::optional<FrameDecoder> guest_decoder_;
};

std::shared_ptr<const std::string> shared(std::string bytes) {
  return std::make_shared<const std::string>(std::move(bytes));
}

}  // namespace

TEST_CASE("host session with guestd: hello, transfer, apply, inventory, rollback") {
  Pair pair;
  Hello hello = pair.connect();
  CHECK(hello.role == Role::guest);
  CHECK(hello.kernel == kRunning);
  CHECK(hello.applied_patches.empty());

  auto bundle = shared(make_bundle(compile_module(pair.dir_, true, 100 * 1024), pair.key_));
  REQUIRE(bundle->size() > 3 * 4096);  // several windows of chunks
  TransferDone done = pair.transfer("hs-test-0001", bundle);
  CHECK(done.bytes_sent == bundle->size());
  CHECK(done.resumed_from == 0);

  Result applied = pair.apply("hs-test-0001");
  INFO(applied.message);
  REQUIRE(applied.ok);
  REQUIRE(applied.state);
  CHECK((*applied.state)["bundle_id"] == "hs-test-0001");
  CHECK(pair.store_.applied_ids() == std::vector<std::string>{"hs-test-0001"});

  REQUIRE(pair.host_->request_inventory());
  Inventory inventory = pair.expect<Inventory>(pair.wait_for_event());
  REQUIRE(inventory.applied_patches.size() == 1);
  CHECK(inventory.applied_patches[0] == AppliedPatch{"hs-test-0001", kModule, true, false});

  REQUIRE(pair.host_->rollback("hs-test-0001"));
  RequestResult rolled = pair.expect<RequestResult>(pair.wait_for_event());
  CHECK(rolled.kind == RequestKind::rollback);
  CHECK(rolled.result.ok);
  CHECK(pair.kernel_.unloads == 1);
  CHECK(pair.host_->bad_frames() == 0);

  CHECK(pair.store_.applied_ids().empty());

  // The next connection learns the state from hello (once the fake kernel's worker removed
  // the disabled patch from its sysfs, as the kernel does after the transition).
  const auto sysfs = pair.dir_ / "sys/kernel/livepatch" / kModule;
  for (int i = 0; i < 200 && std::filesystem::exists(sysfs); ++i) std::this_thread::sleep_for(5ms);
  CHECK(pair.connect().applied_patches.empty());
}

TEST_CASE("host session with guestd: a transfer cut by a disconnect resumes") {
  Pair pair;
  pair.connect();
  auto bundle = shared(make_bundle(compile_module(pair.dir_, true, 100 * 1024), pair.key_));
  REQUIRE(pair.host_->send_bundle("hs-test-0001", bundle));
  // The first window is written (and staged), then the host goes away.
  HostEvent cut = pair.wait_for_event(pair.options_.window_bytes);
  REQUIRE(std::holds_alternative<SessionFailed>(cut));
  CHECK(std::get<SessionFailed>(cut).error.code() == kCutByTest);

  pair.connect();
  TransferDone done = pair.transfer("hs-test-0001", bundle);
  CHECK(done.resumed_from > 0);
  CHECK(done.resumed_from <= pair.options_.window_bytes);
  CHECK(done.bytes_sent == bundle->size() - done.resumed_from);
  CHECK(pair.apply("hs-test-0001").ok);

  // Offered again once staged and applied: the guest starts over (its staged copy is gone).
  pair.connect();
  CHECK(pair.transfer("hs-test-0001", bundle).resumed_from == 0);
}

TEST_CASE("host session with guestd: refusals arrive as results, the session stays usable") {
  Pair pair;
  pair.connect();
  std::string module = compile_module(pair.dir_, true, 100 * 1024);
  SECTION("a bundle for another kernel") {
    KernelIdentity other = kRunning;
    other.build_id = "00112233445566778899aabbccddeeff00112233";
    pair.transfer("hs-test-0001", shared(make_bundle(module, pair.key_, other)));
    Result result = pair.apply("hs-test-0001");
    CHECK_FALSE(result.ok);
    CHECK(result.code == "wrong_kernel");
  }
  SECTION("a stalled transition is rolled back by the guest") {
    pair.kernel_.stall = true;
    pair.transfer("hs-test-0001", shared(make_bundle(module, pair.key_)));
    Result result = pair.apply("hs-test-0001");
    CHECK(result.code == "transition_stalled");
    CHECK_FALSE(pair.kernel_.loaded);
  }
  SECTION("apply without a transfer") {
    CHECK(pair.apply("hs-other").code == "not_transferred");
  }
  CHECK(pair.host_->ready());
  CHECK(pair.host_->bad_frames() == 0);
  REQUIRE(pair.host_->request_inventory());
  CHECK(pair.expect<Inventory>(pair.wait_for_event()).applied_patches.empty());
}
