// The host side of the conversation in messages.h, as a transport-free engine: the mirror of
// guestagent/session.h. One HostSession per connection to one guest channel. Bytes read from
// the channel and clock ticks go in; bytes to write and events come out. No file descriptors,
// no threads, no Asio: hostd wraps it in an Asio session object, the VM tests' client in a
// poll loop, the unit tests and the fuzzer drive it directly.
//
// The guest is untrusted. What the session guarantees whatever it sends:
//  - memory: the frame decoder holds at most one frame (max_frame_bytes); queued output never
//    exceeds max_queued_output_bytes (chunks are queued only while there is room; replies the
//    guest asks for beyond the bound fail the session with output_overflow);
//  - time: every wait has a deadline (sync, hello, each request, each window of chunks,
//    idle heartbeats); bytes that trickle in do not extend any deadline;
//  - truth: replies are matched to the requests this session made (request ids), everything
//    before the sync_ack carrying this session's nonce is ignored, and a reply the session
//    did not ask for, a hello claiming the host role or a transfer_complete for other bytes
//    is a protocol violation (the session fails) or a bad frame (counted; too many fail it).
// After a SessionFailed event the session does nothing more: the caller closes the channel
// and, to talk to the guest again, connects and starts a new session (the guest's state is
// learnt again from its hello).
//
// Typical use (one thread; hostd runs it on the guest's strand):
//   HostSession session(options);
//   session.start(now);
//   loop: write session.take_output() (one write in flight at a time);
//         on read:  session.on_bytes(bytes, now);
//         on timer: session.tick(now)   (arm it for session.next_deadline());
//         handle session.take_events(): Ready, then send_bundle/apply/... one at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/base/expected.h"
#include "core/kernel/kernel_identity.h"
#include "core/protocol/frame_codec.h"
#include "core/protocol/messages.h"

namespace hotsplice::protocol {

using SessionClock = std::chrono::steady_clock;

struct HostSessionOptions {
  using ms = std::chrono::milliseconds;
  // sync sent -> the sync_ack with this session's nonce. While waiting, the sync is sent
  // again every sync_resend (an agent that opened the port after our first sync never saw it).
  ms sync_timeout{30000};
  ms sync_resend{2000};
  // hello sent -> hello reply.
  ms hello_timeout{10000};
  // inventory_request or offer sent -> its reply.
  ms request_timeout{15000};
  // During a transfer: the longest wait for the guest to acknowledge the next window of
  // chunks (or for transfer_complete after the last one).
  ms chunk_timeout{30000};
  // apply or rollback sent -> result. guestd is silent for up to 15 s (transition) + 5 s
  // (after the fake signal) and then possibly as long again to roll back a stalled patch:
  // at least kMinApplyTimeout.
  ms apply_timeout{90000};
  // While idle: a heartbeat after this long without a frame from the guest, answered within
  // heartbeat_timeout (a guest that stopped reading or answering is found within the sum).
  ms heartbeat_interval{15000};
  ms heartbeat_timeout{10000};

  // Bytes of bundle per chunk frame, 1..kMaxChunkBytes and below max_frame_bytes.
  std::size_t chunk_bytes = 64 * 1024;
  // Bundle bytes sent but not yet acknowledged by the guest (a heartbeat queued after every
  // window/2 bytes of chunks is echoed once the chunks before it were staged), >= chunk_bytes.
  std::size_t window_bytes = 256 * 1024;
  // Bytes queued for writing that the caller has not taken yet: the per-guest output bound.
  // At least one chunk frame plus kControlReserveBytes.
  std::size_t max_queued_output_bytes = 512 * 1024;
  // Largest frame accepted from the guest (decoded content), as the guest's own limit.
  std::size_t max_frame_bytes = kDefaultMaxFrameBytes;
  // Undecodable frames, refused messages and unsolicited replies tolerated after the sync:
  // one more fails the session with too_many_bad_frames.
  std::size_t max_bad_frames = 16;

  // What this host says about itself in hello.
  std::string agent_version = "hotsplice-hostd";
  KernelIdentity host_kernel{"unknown", "unknown", "00"};
  Environment host_environment{Environment::Kind::bare_metal, ""};

  // Errors (invalid_options) name the option and its bound.
  Status validate() const;
};

inline constexpr std::chrono::milliseconds kMinApplyTimeout{45000};
// Output kept free of chunks so that control messages (heartbeats, the next request) fit.
inline constexpr std::size_t kControlReserveBytes = 64 * 1024;
// Upper bound of the wire size of one chunk frame carrying chunk_bytes of bundle.
std::size_t chunk_frame_bound(std::size_t chunk_bytes);

// Which request a RequestResult answers.
enum class RequestKind { inventory, offer, chunk, apply, rollback };
const char* request_kind_name(RequestKind kind);

// Events, in the order they happened.
// Synchronised (our nonce acknowledged) and the guest's hello received: requests may start.
struct Ready {
  Hello hello;
};
// send_bundle finished: the guest verified the whole bundle's sha256 (transfer_complete).
struct TransferDone {
  std::string bundle_id;
  std::uint64_t bytes_sent = 0;    // bytes sent in this session (0 when already staged)
  std::uint64_t resumed_from = 0;  // the offset offer_accept named
};
// A request ended with the guest's result: apply/rollback (ok or not), a refused offer, a
// refused chunk (the transfer is over), or a request the guest answered with an error frame
// (result.ok false, result.code the guest's error code).
struct RequestResult {
  RequestKind kind = RequestKind::apply;
  std::string bundle_id;  // empty for inventory
  Result result;
};
// Inventory: the guest's answer to request_inventory (protocol::Inventory).
// The session is over (timeout, protocol_violation, too_many_bad_frames, output_overflow):
// close the channel.
struct SessionFailed {
  Error error;
};
using HostEvent = std::variant<Ready, TransferDone, RequestResult, Inventory, SessionFailed>;

class HostSession {
 public:
  enum class Phase {
    not_started,
    syncing,       // sync sent, waiting for its ack; everything else ignored
    greeting,      // hello sent
    idle,          // ready for a request
    inventory,     // waiting for inventory
    offering,      // waiting for offer_accept
    transferring,  // sending chunks, waiting for acknowledgements / transfer_complete
    applying,      // waiting for apply's result
    rolling_back,  // waiting for rollback's result
    failed,
  };

  // Options that fail validate() make start() fail the session with invalid_options.
  explicit HostSession(HostSessionOptions options);

  // Every call that takes `now` has an overload without it that reads SessionClock::now():
  // hostd uses those; tests and the fuzzer pass their own clock.

  // Queues sync with a fresh random nonce (start_with_nonce: a given one, for tests).
  void start(SessionClock::time_point now);
  void start() { start(SessionClock::now()); }
  void start_with_nonce(SessionClock::time_point now, std::uint64_t nonce);

  // Bytes read from the channel, any amount, any split. Decodes and handles complete frames.
  void on_bytes(std::string_view bytes, SessionClock::time_point now);
  void on_bytes(std::string_view bytes) { on_bytes(bytes, SessionClock::now()); }
  // Fires the deadlines that have passed (timeouts, sync resends, idle heartbeats).
  void tick(SessionClock::time_point now);
  void tick() { tick(SessionClock::now()); }
  // The earliest time tick() has something to do; nullopt when nothing is pending.
  std::optional<SessionClock::time_point> next_deadline() const;

  // Everything queued for writing (at most max_queued_output_bytes), in order; the session
  // forgets it. Write it all before taking more: take_output() may refill with more chunks.
  std::string take_output();
  std::size_t queued_output_bytes() const { return output_.size(); }
  std::vector<HostEvent> take_events();

  // Requests: each needs phase() == idle, otherwise session_busy / session_not_ready /
  // session_failed, and nothing is sent. Results come as events.
  Status request_inventory(SessionClock::time_point now);
  Status request_inventory() { return request_inventory(SessionClock::now()); }
  // Offers the bundle (sha256 computed here) and, from the offset the guest accepts, sends
  // it in pipelined chunks; TransferDone once the guest verified it. The bytes are shared,
  // not copied (one bundle serves many guests). Errors: invalid_bundle (empty, too large).
  Status send_bundle(std::string bundle_id, std::shared_ptr<const std::string> bundle_bytes,
                     SessionClock::time_point now);
  Status send_bundle(std::string bundle_id, std::shared_ptr<const std::string> bundle_bytes) {
    return send_bundle(std::move(bundle_id), std::move(bundle_bytes), SessionClock::now());
  }
  Status apply(std::string bundle_id, SessionClock::time_point now);
  Status apply(std::string bundle_id) { return apply(std::move(bundle_id), SessionClock::now()); }
  // An operator's apply: the guest clears the bundle's crash record first (Apply.clear_crash).
  Status apply_clearing_crash_record(std::string bundle_id, SessionClock::time_point now);
  Status apply_clearing_crash_record(std::string bundle_id) {
    return apply_clearing_crash_record(std::move(bundle_id), SessionClock::now());
  }
  Status rollback(std::string bundle_id, SessionClock::time_point now);
  Status rollback(std::string bundle_id) {
    return rollback(std::move(bundle_id), SessionClock::now());
  }

  // How far the transfer in progress got (offering or transferring), for progress reports.
  struct TransferProgress {
    std::string bundle_id;
    std::uint64_t size = 0;
    std::uint64_t resumed_from = 0;  // what offer_accept named
    std::uint64_t queued = 0;        // bytes queued for writing (taken or not)
    std::uint64_t acknowledged = 0;  // bytes the guest confirmed staged
  };
  std::optional<TransferProgress> transfer_progress() const;

  Phase phase() const { return phase_; }
  bool ready() const { return phase_ == Phase::idle; }
  // The guest's hello, once Ready was emitted.
  const std::optional<Hello>& guest_hello() const { return hello_; }
  // Counters for logs and metrics.
  std::size_t bad_frames() const { return bad_frames_; }
  std::size_t ignored_before_sync() const { return ignored_before_sync_; }
  const HostSessionOptions& options() const { return options_; }

 private:
  struct Transfer {
    std::string bundle_id;
    std::shared_ptr<const std::string> bytes;
    std::string sha256;
    std::uint64_t resumed_from = 0;
    std::uint64_t next_offset = 0;   // first byte not yet queued
    std::uint64_t acked_offset = 0;  // bytes the guest acknowledged (window markers)
    std::uint32_t first_chunk_id = 0;
    std::uint32_t last_chunk_id = 0;  // id of the chunk carrying the final byte, once queued
    std::uint64_t since_marker = 0;   // chunk bytes queued since the last window marker
    struct Marker {
      std::uint32_t id;
      std::uint64_t offset;  // bytes staged once this heartbeat is echoed
    };
    std::deque<Marker> markers;
  };
  struct PendingHeartbeat {
    std::uint32_t id = 0;
    std::uint64_t seq = 0;
    SessionClock::time_point deadline;
  };

  void handle_frame(Expected<Frame> frame);
  void handle_message(Message message);
  void handle_sync_ack(const SyncAck& ack);
  void handle_hello(const Hello& hello);
  void handle_heartbeat(const Heartbeat& heartbeat);
  void handle_result(const Result& result);
  void handle_error(const ErrorMessage& error);
  void handle_offer_accept(const OfferAccept& accept);
  void handle_transfer_complete(const TransferComplete& complete);
  void handle_inventory(const Inventory& inventory);
  void bad_frame(const std::string& why);

  Status check_idle() const;
  // apply and rollback: both name a bundle and wait up to apply_timeout for a result.
  template <typename Command>
  Status send_bundle_command(Phase phase, Command command, SessionClock::time_point now);
  void begin_request(Phase phase, std::uint32_t id, std::chrono::milliseconds timeout,
                     std::string bundle_id);
  void finish_request();
  void send_hello();
  void send_sync();
  void pump_chunks();
  bool transfer_window_open() const;
  void queue(const Message& message);
  // Encodes message with body as its frame body straight into output_: a chunk's bytes go
  // from the bundle to the wire encoding without an intermediate copy.
  void queue_frame(const Message& message, std::string_view body);
  void fail(Error error);
  void emit(HostEvent event) { events_.push_back(std::move(event)); }
  bool is_stale(std::uint32_t re) const;
  std::uint32_t next_id() { return next_id_++; }
  std::optional<RequestKind> current_kind() const;

  HostSessionOptions options_;
  FrameDecoder decoder_;
  Phase phase_ = Phase::not_started;
  SessionClock::time_point last_now_{};

  std::uint64_t nonce_ = 0;
  std::vector<std::uint32_t> sync_ids_;  // every sync sent (resends included), bounded
  SessionClock::time_point sync_deadline_{};
  SessionClock::time_point sync_resend_at_{};

  // The one outstanding request (phases greeting..rolling_back).
  std::uint32_t request_id_ = 0;
  std::string request_bundle_id_;
  SessionClock::time_point request_deadline_{};
  std::optional<Transfer> transfer_;
  std::optional<PendingHeartbeat> heartbeat_;  // an idle heartbeat awaiting its echo
  SessionClock::time_point idle_since_{};      // last frame from the guest while idle
  std::uint64_t heartbeat_seq_ = 0;
  // Replies to a failed transfer's chunks and markers, still on their way: ignored.
  std::uint32_t stale_low_ = 0;
  std::uint32_t stale_high_ = 0;

  std::optional<Hello> hello_;
  bool window_acks_ = true;  // the guest echoes heartbeats (its "heartbeat" capability)
  std::uint32_t next_id_ = 1;
  std::string output_;
  std::vector<HostEvent> events_;
  std::size_t bad_frames_ = 0;
  std::size_t ignored_before_sync_ = 0;
};

}  // namespace hotsplice::protocol
