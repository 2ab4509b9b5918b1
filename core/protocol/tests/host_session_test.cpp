// HostSession against scripted and hostile guests: every byte the "guest" sends is written
// by the test, on a virtual clock, so each rule (ignore until our sync_ack, match replies to
// requests, bound memory and time) is checked exactly. The same engine against the real
// guest agent is in guestagent/tests/host_session_pairing_test.cpp.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "core/crypto/sha256.h"
#include "core/protocol/error_codes.h"
#include "core/protocol/frame_stream.h"
#include "core/protocol/host_session.h"
#include "core/protocol/tests/protocol_test_helpers.h"

using namespace hotsplice;
using namespace hotsplice::protocol;
using namespace std::chrono_literals;
using hotsplice::protocol::test::encoded;

namespace {

constexpr std::uint64_t kNonce = 0x5eed;
const KernelIdentity kGuestKernel{"6.1.0-56-amd64", "#1 SMP PREEMPT_DYNAMIC Debian",
                                  "4fa2b0e9c0a1d2e3f40516273849aabbccddeeff"};

// The guest's end, written by the test: reads what the host queued, answers by hand.
class ScriptedGuest {
 public:
  explicit ScriptedGuest(HostSessionOptions options = {}) : session(std::move(options)) {}

  // Messages the host wrote since the last call (take_output, decoded).
  std::vector<Message> read() {
    std::string bytes = session.take_output();
    max_output_seen = std::max(max_output_seen, bytes.size());
    std::string_view input = bytes;
    std::vector<Message> messages;
    while (auto frame = decoder.decode(input)) {
      REQUIRE(*frame);
      auto message = parse_message(std::move(**frame));
      REQUIRE(message);
      messages.push_back(std::move(*message));
    }
    return messages;
  }
  template <typename T>
  T read_one() {
    auto messages = read();
    REQUIRE(messages.size() == 1);
    REQUIRE(std::holds_alternative<T>(messages[0]));
    return std::get<T>(messages[0]);
  }
  void send(const Message& message) { session.on_bytes(encoded(message), now); }
  void send_bytes(std::string_view bytes) { session.on_bytes(bytes, now); }
  void advance(std::chrono::milliseconds by) {
    now += by;
    session.tick(now);
  }
  std::vector<HostEvent> events() { return session.take_events(); }
  template <typename T>
  T only_event() {
    auto all = events();
    REQUIRE(all.size() == 1);
    if (auto* failed = std::get_if<SessionFailed>(&all[0]);
        failed && !std::is_same_v<T, SessionFailed>) {
      FAIL("session failed: " << failed->error.code() << ": " << failed->error.message());
    }
    REQUIRE(std::holds_alternative<T>(all[0]));
    return std::get<T>(all[0]);
  }
  Error failure() { return only_event<SessionFailed>().error; }

  static Hello hello_reply(std::uint32_t re) {
    Hello hello;
    hello.correlation = Correlation::reply_to(re);
    hello.agent_version = "0.1.0";
    hello.role = Role::guest;
    hello.capabilities = {"apply", "rollback", "resume_transfer", "inventory", "heartbeat"};
    hello.kernel = kGuestKernel;
    hello.environment = {Environment::Kind::vm, "kvm"};
    return hello;
  }

  // start, sync_ack, hello: the session is idle.
  void make_ready() {
    session.start_with_nonce(now, kNonce);
    auto sync = read_one<Sync>();
    send(SyncAck{sync.id, kNonce});
    auto hello = read_one<Hello>();
    send(hello_reply(hello.correlation.number));
    only_event<Ready>();
    REQUIRE(session.ready());
  }

  SessionClock::time_point now{};
  HostSession session;
  FrameDecoder decoder;
  std::size_t max_output_seen = 0;
};

std::shared_ptr<const std::string> random_bundle(std::size_t size, unsigned seed = 1) {
  std::mt19937 random(seed);
  auto bytes = std::make_shared<std::string>(size, '\0');
  for (char& byte : *bytes) byte = static_cast<char>(random());
  return bytes;
}

// Plays the guest's part of a transfer faithfully: stages chunks in order, echoes window
// markers, and answers the last chunk with transfer_complete. Returns the bytes received.
std::string receive_transfer(ScriptedGuest& guest, const std::string& sha256, std::uint64_t size,
                             std::uint64_t from) {
  std::string received;
  std::uint64_t expected = from;
  for (int rounds = 0; rounds < 10000; ++rounds) {
    auto messages = guest.read();
    if (messages.empty()) break;
    for (const Message& message : messages) {
      if (const auto* chunk = std::get_if<Chunk>(&message)) {
        REQUIRE(chunk->offset == expected);
        REQUIRE(chunk->sha256 == sha256);
        REQUIRE(chunk->data.size() <= guest.session.options().chunk_bytes);
        received += chunk->data;
        expected += chunk->data.size();
        if (expected == size) guest.send(TransferComplete{chunk->id, sha256, size});
      } else if (const auto* beat = std::get_if<Heartbeat>(&message)) {
        REQUIRE_FALSE(beat->correlation.is_reply);
        CHECK(beat->seq == expected);  // the marker names the bytes before it
        guest.send(Heartbeat{Correlation::reply_to(beat->correlation.number), beat->seq});
      } else {
        FAIL("unexpected " << type_of(message) << " during a transfer");
      }
    }
  }
  return received;
}

}  // namespace

TEST_CASE("host session: everything before the matching sync_ack is ignored") {
  ScriptedGuest guest;
  guest.session.start_with_nonce(guest.now, kNonce);
  auto sync = guest.read_one<Sync>();
  CHECK(sync.nonce == kNonce);

  // What an earlier session left in the port: half a frame, garbage, replies to a dead
  // host's requests, and acks with the wrong nonce or the wrong id.
  guest.send_bytes("\x05partial-frame-without-end");
  guest.send_bytes(std::string("\0\x01\x02\x03garbage\0", 13));
  guest.send(Result{7, true, "ok", "applied", std::nullopt});
  guest.send(ScriptedGuest::hello_reply(sync.id));
  guest.send(SyncAck{sync.id, kNonce + 1});
  guest.send(SyncAck{sync.id + 100, kNonce});
  CHECK(guest.read().empty());  // nothing answered, no hello yet
  CHECK(guest.events().empty());
  CHECK(guest.session.phase() == HostSession::Phase::syncing);
  CHECK(guest.session.ignored_before_sync() >= 5);
  CHECK(guest.session.bad_frames() == 0);

  guest.send(SyncAck{sync.id, kNonce});
  auto hello = guest.read_one<Hello>();
  CHECK(hello.role == Role::host);
  CHECK_FALSE(hello.correlation.is_reply);
  guest.send(ScriptedGuest::hello_reply(hello.correlation.number));
  Ready ready = guest.only_event<Ready>();
  CHECK(ready.hello.kernel == kGuestKernel);
  REQUIRE(guest.session.guest_hello());
  CHECK(guest.session.guest_hello()->environment.technology == "kvm");
}

TEST_CASE("host session: sync is resent while unanswered, then times out") {
  ScriptedGuest guest;
  guest.session.start_with_nonce(guest.now, kNonce);
  auto first = guest.read_one<Sync>();
  guest.advance(1900ms);
  CHECK(guest.read().empty());
  guest.advance(200ms);
  auto second = guest.read_one<Sync>();
  CHECK(second.nonce == kNonce);
  CHECK(second.id != first.id);
  // An ack of the first sync still counts: the agent may have been slow, not absent.
  SECTION("an ack of an earlier sync") {
    guest.send(SyncAck{first.id, kNonce});
    guest.read_one<Hello>();
    CHECK(guest.session.phase() == HostSession::Phase::greeting);
  }
  SECTION("no ack at all") {
    for (int i = 0; i < 14; ++i) guest.advance(2000ms);
    CHECK(guest.failure().code() == errc::kTimeout);
    CHECK(guest.session.phase() == HostSession::Phase::failed);
    CHECK(guest.session.queued_output_bytes() == 0);
    CHECK_FALSE(guest.session.next_deadline());
  }
}

TEST_CASE("host session: the guest's hello is checked") {
  ScriptedGuest guest;
  guest.session.start_with_nonce(guest.now, kNonce);
  guest.send(SyncAck{guest.read_one<Sync>().id, kNonce});
  auto hello = guest.read_one<Hello>();
  SECTION("a guest claiming to be a host") {
    Hello lie = ScriptedGuest::hello_reply(hello.correlation.number);
    lie.role = Role::host;
    guest.send(lie);
    CHECK(guest.failure().code() == errc::kProtocolViolation);
  }
  SECTION("a newer protocol version") {
    Json json = ScriptedGuest::hello_reply(hello.correlation.number).to_json();
    json["protocol_version"] = kProtocolVersion + 1;
    guest.send_bytes(encoded(json));
    CHECK(guest.failure().code() == "unsupported_version");
  }
  SECTION("a hello answering another id is not ours") {
    guest.send(ScriptedGuest::hello_reply(hello.correlation.number + 5));
    CHECK(guest.events().empty());
    CHECK(guest.session.bad_frames() == 1);
    guest.advance(10s);
    CHECK(guest.failure().code() == errc::kTimeout);
  }
  SECTION("a refused hello") {
    ErrorMessage refusal;
    refusal.re = hello.correlation.number;
    refusal.code = "invalid_field";
    refusal.message = "hello.kernel";
    guest.send(refusal);
    CHECK(guest.failure().code() == errc::kGuestRefusedFrame);
  }
  SECTION("a hello trickled one byte at a time still times out") {
    std::string bytes = encoded(ScriptedGuest::hello_reply(hello.correlation.number));
    for (std::size_t i = 0; i + 1 < bytes.size() && guest.events().empty(); ++i) {
      guest.now += 100ms;
      guest.send_bytes(bytes.substr(i, 1));
    }
    guest.advance(0ms);
    CHECK(guest.session.phase() == HostSession::Phase::failed);
  }
}

TEST_CASE("host session: garbage, oversized frames and unsolicited replies are bounded") {
  HostSessionOptions options;
  options.max_bad_frames = 3;
  options.max_frame_bytes = 64 * 1024;
  ScriptedGuest guest(options);
  guest.make_ready();
  SECTION("replies to requests never made") {
    guest.send(Result{999, true, "ok", "applied", std::nullopt});
    guest.send(Inventory{998, kGuestKernel, {}});
    guest.send(OfferAccept{997, 0});
    CHECK(guest.events().empty());
    CHECK(guest.session.bad_frames() == 3);
    guest.send(TransferComplete{996, std::string(64, 'a'), 10});
    CHECK(guest.failure().code() == errc::kTooManyBadFrames);
  }
  SECTION("random garbage") {
    std::mt19937 random(3);
    std::string garbage(1 << 20, '\0');
    for (char& byte : garbage) byte = static_cast<char>(random());
    guest.send_bytes(garbage);
    CHECK(guest.failure().code() == errc::kTooManyBadFrames);
  }
  SECTION("an endless frame is skipped without being held") {
    std::string block(64 * 1024, 'x');  // no delimiter: one frame that never ends
    for (int i = 0; i < 64; ++i) guest.send_bytes(block);
    guest.send_bytes(std::string(1, '\0'));
    CHECK(guest.session.bad_frames() == 1);  // frame_too_large, once
    CHECK(guest.session.ready());
  }
  SECTION("requests only a host makes are not answered") {
    guest.send(Apply{1, "hs-x"});
    guest.send(Sync{2, 3});
    CHECK(guest.read().empty());
    CHECK(guest.session.bad_frames() == 2);
  }
  SECTION("a guest heartbeat is answered") {
    guest.send(Heartbeat{Correlation::request(41), 9});
    auto echo = guest.read_one<Heartbeat>();
    CHECK(echo.correlation == Correlation::reply_to(41));
    CHECK(echo.seq == 9);
    CHECK(guest.session.bad_frames() == 0);
  }
}

TEST_CASE("host session: a guest that sends without reading overflows only its own bound") {
  HostSessionOptions options;
  options.max_queued_output_bytes = chunk_frame_bound(options.chunk_bytes) + kControlReserveBytes;
  ScriptedGuest guest(options);
  guest.make_ready();
  std::string flood;
  for (std::uint32_t i = 0; i < 20000; ++i) flood += encoded(Heartbeat{Correlation::request(i), i});
  guest.send_bytes(flood);  // and never take_output: the guest does not read
  CHECK(guest.failure().code() == errc::kOutputOverflow);
  CHECK(guest.session.queued_output_bytes() == 0);  // released on failure
}

TEST_CASE("host session: requests are refused unless idle") {
  ScriptedGuest guest;
  CHECK(guest.session.apply("hs-a", guest.now).error().code() == errc::kSessionNotReady);
  guest.make_ready();
  REQUIRE(guest.session.apply("hs-a", guest.now));
  CHECK(guest.session.rollback("hs-a", guest.now).error().code() == errc::kSessionBusy);
  CHECK(guest.session.request_inventory(guest.now).error().code() == errc::kSessionBusy);
  CHECK(guest.read().size() == 1);  // the apply only
  guest.advance(90s);
  guest.failure();
  CHECK(guest.session.request_inventory(guest.now).error().code() == errc::kSessionFailed);
}

TEST_CASE("host session: bad arguments and options are refused") {
  ScriptedGuest guest;
  guest.make_ready();
  CHECK(guest.session.apply("../etc", guest.now).error().code() == errc::kInvalidBundle);
  CHECK(guest.session.send_bundle("hs-a", nullptr, guest.now).error().code() ==
        errc::kInvalidBundle);
  CHECK(guest.session.send_bundle("hs-a", std::make_shared<const std::string>(), guest.now)
            .error()
            .code() == errc::kInvalidBundle);
  CHECK(guest.session.ready());

  HostSessionOptions options;
  options.apply_timeout = 20s;  // shorter than the guest's silent transition
  CHECK(options.validate().error().code() == errc::kInvalidOptions);
  CHECK(options.validate().error().message().find("apply_timeout") != std::string::npos);
  options = {};
  options.max_queued_output_bytes = options.chunk_bytes;
  CHECK_FALSE(options.validate());
  options = {};
  options.chunk_bytes = kMaxChunkBytes + 1;
  CHECK_FALSE(options.validate());
  CHECK(HostSessionOptions{}.validate());

  HostSessionOptions bad;
  bad.sync_timeout = 0ms;
  ScriptedGuest refused(bad);
  refused.session.start(refused.now);
  CHECK(refused.failure().code() == errc::kInvalidOptions);
  CHECK(refused.read().empty());
}

TEST_CASE("host session: a bundle travels in pipelined chunks within the window") {
  HostSessionOptions options;
  options.chunk_bytes = 16 * 1024;
  options.window_bytes = 64 * 1024;
  ScriptedGuest guest(options);
  guest.make_ready();
  auto bundle = random_bundle(300 * 1024 + 17);
  const std::string sha = sha256_hex(*bundle);
  REQUIRE(guest.session.send_bundle("hs-big", bundle, guest.now));
  auto offer = guest.read_one<Offer>();
  CHECK(offer.bundle_id == "hs-big");
  CHECK(offer.sha256 == sha);
  CHECK(offer.size == bundle->size());

  guest.send(OfferAccept{offer.id, 0});
  // Before any acknowledgement only one window of chunks goes out, whatever is taken.
  auto first = guest.read();
  std::uint64_t chunk_bytes = 0;
  std::vector<Heartbeat> markers;
  for (const auto& message : first) {
    if (const auto* chunk = std::get_if<Chunk>(&message)) chunk_bytes += chunk->data.size();
    if (const auto* beat = std::get_if<Heartbeat>(&message)) markers.push_back(*beat);
  }
  CHECK(chunk_bytes == options.window_bytes);
  CHECK(guest.read().empty());
  auto progress = guest.session.transfer_progress();
  REQUIRE(progress);
  CHECK(progress->queued == options.window_bytes);
  CHECK(progress->acknowledged == 0);
  REQUIRE(markers.size() == 2);  // one per half window
  CHECK(markers[0].seq == options.window_bytes / 2);

  // Acknowledging the first half window lets the next half go.
  guest.send(Heartbeat{Correlation::reply_to(markers[0].correlation.number), markers[0].seq});
  CHECK(guest.session.transfer_progress()->acknowledged == options.window_bytes / 2);
  std::string received = bundle->substr(0, options.window_bytes);
  guest.send(Heartbeat{Correlation::reply_to(markers[1].correlation.number), markers[1].seq});
  received += receive_transfer(guest, sha, bundle->size(), options.window_bytes);
  CHECK(received == *bundle);
  TransferDone done = guest.only_event<TransferDone>();
  CHECK(done.bundle_id == "hs-big");
  CHECK(done.bytes_sent == bundle->size());
  CHECK(done.resumed_from == 0);
  CHECK(guest.session.ready());
  CHECK(guest.max_output_seen <= options.max_queued_output_bytes);
}

TEST_CASE("host session: a transfer resumes where the guest says") {
  ScriptedGuest guest;
  guest.make_ready();
  auto bundle = random_bundle(200 * 1024);
  const std::string sha = sha256_hex(*bundle);
  REQUIRE(guest.session.send_bundle("hs-resume", bundle, guest.now));
  auto offer = guest.read_one<Offer>();
  SECTION("from the middle") {
    guest.send(OfferAccept{offer.id, 70000});
    std::string received = receive_transfer(guest, sha, bundle->size(), 70000);
    CHECK(received == bundle->substr(70000));
    TransferDone done = guest.only_event<TransferDone>();
    CHECK(done.resumed_from == 70000);
    CHECK(done.bytes_sent == bundle->size() - 70000);
  }
  SECTION("already staged") {
    guest.send(OfferAccept{offer.id, bundle->size()});
    CHECK(guest.read().empty());
    TransferDone done = guest.only_event<TransferDone>();
    CHECK(done.bytes_sent == 0);
    CHECK(guest.session.ready());
  }
  SECTION("past the end is a lie") {
    guest.send(OfferAccept{offer.id, bundle->size() + 1});
    CHECK(guest.failure().code() == errc::kProtocolViolation);
  }
  SECTION("refused") {
    guest.send(Result{offer.id, false, "bundle_too_large", "no", std::nullopt});
    RequestResult result = guest.only_event<RequestResult>();
    CHECK(result.kind == RequestKind::offer);
    CHECK(result.bundle_id == "hs-resume");
    CHECK(result.result.code == "bundle_too_large");
    CHECK(guest.session.ready());
  }
}

TEST_CASE("host session: lies and refusals during a transfer") {
  HostSessionOptions options;
  options.chunk_bytes = 8 * 1024;
  options.window_bytes = 32 * 1024;
  ScriptedGuest guest(options);
  guest.make_ready();
  auto bundle = random_bundle(100 * 1024);
  REQUIRE(guest.session.send_bundle("hs-t", bundle, guest.now));
  guest.send(OfferAccept{guest.read_one<Offer>().id, 0});
  auto window = guest.read();
  const Chunk& first = std::get<Chunk>(window.at(0));
  SECTION("a chunk refused ends the transfer; replies to the rest are ignored") {
    guest.send(Result{first.id, false, "io_error", "disk full", std::nullopt});
    RequestResult result = guest.only_event<RequestResult>();
    CHECK(result.kind == RequestKind::chunk);
    CHECK(result.result.code == "io_error");
    CHECK(guest.session.ready());
    for (const Message& message : window) {
      if (const auto* chunk = std::get_if<Chunk>(&message); chunk && chunk->id != first.id) {
        guest.send(Result{chunk->id, false, "bad_offset", "no", std::nullopt});
      }
      if (const auto* beat = std::get_if<Heartbeat>(&message)) {
        guest.send(Heartbeat{Correlation::reply_to(beat->correlation.number), beat->seq});
      }
    }
    CHECK(guest.session.bad_frames() == 0);
    CHECK(guest.events().empty());
    CHECK(guest.read().empty());  // no more chunks
  }
  SECTION("transfer_complete for other bytes") {
    guest.send(TransferComplete{first.id, std::string(64, '0'), bundle->size()});
    // Not the final chunk's id: counted, not believed.
    CHECK(guest.session.bad_frames() == 1);
    CHECK(guest.events().empty());
  }
  SECTION("a window acknowledgement for the wrong offset") {
    const auto marker = std::find_if(window.begin(), window.end(), [](const Message& m) {
      return std::holds_alternative<Heartbeat>(m);
    });
    REQUIRE(marker != window.end());
    const auto& beat = std::get<Heartbeat>(*marker);
    guest.send(Heartbeat{Correlation::reply_to(beat.correlation.number), beat.seq + 1});
    CHECK(guest.failure().code() == errc::kProtocolViolation);
  }
  SECTION("a guest that stops acknowledging times out") {
    guest.advance(options.chunk_timeout - 1ms);
    CHECK(guest.events().empty());
    guest.advance(1ms);
    Error error = guest.failure();
    CHECK(error.code() == errc::kTimeout);
    CHECK(error.message().find("hs-t") != std::string::npos);
  }
}

TEST_CASE("host session: the final transfer_complete must name the bundle's digest") {
  HostSessionOptions options;
  options.chunk_bytes = 8 * 1024;
  ScriptedGuest guest(options);
  guest.make_ready();
  auto bundle = random_bundle(8 * 1024);  // one chunk
  REQUIRE(guest.session.send_bundle("hs-one", bundle, guest.now));
  guest.send(OfferAccept{guest.read_one<Offer>().id, 0});
  auto chunk = guest.read_one<Chunk>();
  guest.send(TransferComplete{chunk.id, std::string(64, 'f'), bundle->size()});
  CHECK(guest.failure().code() == errc::kProtocolViolation);
}

TEST_CASE("host session: apply and rollback wait past the guest's silent transition") {
  ScriptedGuest guest;
  guest.make_ready();
  REQUIRE(guest.session.apply("hs-a", guest.now));
  auto apply = guest.read_one<Apply>();
  CHECK(apply.bundle_id == "hs-a");
  // guestd says nothing for 15 s + 5 s (and as long again when it rolls back a stall).
  guest.advance(44s);
  CHECK(guest.events().empty());
  CHECK(guest.read().empty());  // no heartbeat while a request is outstanding
  SECTION("the result arrives") {
    guest.send(Result{apply.id, true, "ok", "bundle hs-a applied", Json{{"enabled", true}}});
    RequestResult result = guest.only_event<RequestResult>();
    CHECK(result.kind == RequestKind::apply);
    CHECK(result.bundle_id == "hs-a");
    CHECK(result.result.ok);
    REQUIRE(guest.session.rollback("hs-a", guest.now));
    auto rollback = guest.read_one<Rollback>();
    guest.send(Result{rollback.id, false, "not_applied", "no", std::nullopt});
    RequestResult rolled = guest.only_event<RequestResult>();
    CHECK(rolled.kind == RequestKind::rollback);
    CHECK_FALSE(rolled.result.ok);
  }
  SECTION("the guest refuses the frame") {
    ErrorMessage refusal;
    refusal.re = apply.id;
    refusal.code = "invalid_field";
    refusal.message = "apply.bundle_id";
    guest.send(refusal);
    RequestResult result = guest.only_event<RequestResult>();
    CHECK(result.kind == RequestKind::apply);
    CHECK_FALSE(result.result.ok);
    CHECK(result.result.code == "invalid_field");
  }
  SECTION("no result at all") {
    REQUIRE(guest.session.next_deadline());
    CHECK(*guest.session.next_deadline() == SessionClock::time_point{} + 90s);
    guest.advance(46s);
    CHECK(guest.failure().code() == errc::kTimeout);
  }
  SECTION("a late result after the timeout changes nothing") {
    guest.advance(46s);
    guest.failure();
    guest.send(Result{apply.id, true, "ok", "late", std::nullopt});
    CHECK(guest.events().empty());
  }
}

TEST_CASE("host session: inventory") {
  ScriptedGuest guest;
  guest.make_ready();
  REQUIRE(guest.session.request_inventory(guest.now));
  auto request = guest.read_one<InventoryRequest>();
  guest.send(Inventory{request.id, kGuestKernel, {{"hs-a", "mod_a", true, false}}});
  Inventory inventory = guest.only_event<Inventory>();
  CHECK(inventory.applied_patches.size() == 1);
  CHECK(guest.session.ready());
  SECTION("an ok result instead of an inventory is a lie") {
    REQUIRE(guest.session.request_inventory(guest.now));
    auto again = guest.read_one<InventoryRequest>();
    guest.send(Result{again.id, true, "ok", "", std::nullopt});
    CHECK(guest.failure().code() == errc::kProtocolViolation);
  }
}

TEST_CASE("host session: an idle guest is asked for heartbeats") {
  ScriptedGuest guest;
  guest.make_ready();
  guest.advance(14s);
  CHECK(guest.read().empty());
  guest.advance(1s);
  auto beat = guest.read_one<Heartbeat>();
  CHECK_FALSE(beat.correlation.is_reply);
  SECTION("echoed") {
    guest.send(Heartbeat{Correlation::reply_to(beat.correlation.number), beat.seq});
    guest.advance(14s);
    CHECK(guest.events().empty());
    CHECK(guest.read().empty());
    guest.advance(1s);
    CHECK(guest.read_one<Heartbeat>().seq == beat.seq + 1);
  }
  SECTION("not echoed") {
    guest.advance(10s);
    CHECK(guest.failure().code() == errc::kTimeout);
  }
  SECTION("echoed with another sequence number") {
    guest.send(Heartbeat{Correlation::reply_to(beat.correlation.number), beat.seq + 7});
    CHECK(guest.failure().code() == errc::kProtocolViolation);
  }
}
