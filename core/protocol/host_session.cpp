#include "core/protocol/host_session.h"

#include <algorithm>
#include <type_traits>

#include "core/crypto/sha256.h"
#include "core/protocol/channel_sync.h"
#include "core/protocol/error_codes.h"
#include "core/protocol/field_rules.h"
#include "core/protocol/frame_stream.h"

namespace hotsplice::protocol {
namespace {

using std::chrono::milliseconds;

// Syncs sent while waiting for the ack are remembered by id; more than this many resends
// within one sync_timeout means the options are odd, and the oldest ids are forgotten.
constexpr std::size_t kMaxRememberedSyncs = 64;

std::string seconds_text(milliseconds duration) {
  return std::to_string(duration.count() / 1000) + "." +
         std::to_string(duration.count() % 1000 / 100) + " s";
}

std::string describe(const Message& message) {
  return std::string(type_of(message));
}

// The id a reply answers ("re"), for the reply types a guest sends.
std::optional<std::uint32_t> answered_id(const Message& message) {
  return std::visit(
      [](const auto& m) -> std::optional<std::uint32_t> {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, Hello> || std::is_same_v<T, Heartbeat>) {
          if (m.correlation.is_reply) return m.correlation.number;
          return std::nullopt;
        } else if constexpr (std::is_same_v<T, ErrorMessage>) {
          return m.re;
        } else if constexpr (requires { m.re; }) {
          return m.re;
        } else {
          return std::nullopt;
        }
      },
      message);
}

}  // namespace

HostSession::HostSession(HostSessionOptions options)
    : options_(std::move(options)), decoder_(options_.max_frame_bytes) {}

void HostSession::start(SessionClock::time_point now) {
  start_with_nonce(now, random_nonce());
}

void HostSession::start_with_nonce(SessionClock::time_point now, std::uint64_t nonce) {
  last_now_ = now;
  if (phase_ != Phase::not_started) return;
  if (Status valid = options_.validate(); !valid) {
    fail(valid.error());
    return;
  }
  nonce_ = nonce;
  phase_ = Phase::syncing;
  sync_deadline_ = now + options_.sync_timeout;
  send_sync();
}

void HostSession::send_sync() {
  std::uint32_t id = next_id();
  if (sync_ids_.size() == kMaxRememberedSyncs) sync_ids_.erase(sync_ids_.begin());
  sync_ids_.push_back(id);
  sync_resend_at_ = last_now_ + options_.sync_resend;
  queue(Sync{id, nonce_});
}

void HostSession::on_bytes(std::string_view bytes, SessionClock::time_point now) {
  last_now_ = now;
  // Deadlines that passed before these bytes came count first: a late reply is a timeout.
  tick(now);
  while (phase_ != Phase::failed && phase_ != Phase::not_started) {
    auto frame = decoder_.decode(bytes);
    if (!frame) break;
    handle_frame(std::move(*frame));
  }
}

void HostSession::handle_frame(Expected<Frame> frame) {
  Incoming incoming = to_incoming(std::move(frame));
  if (phase_ == Phase::syncing) {
    // Until our own nonce comes back, everything is a previous session's leftovers.
    const SyncAck* ack = incoming.message ? std::get_if<SyncAck>(&*incoming.message) : nullptr;
    if (ack != nullptr && ack->nonce == nonce_ &&
        std::find(sync_ids_.begin(), sync_ids_.end(), ack->re) != sync_ids_.end()) {
      handle_sync_ack(*ack);
    } else {
      ++ignored_before_sync_;
    }
    return;
  }
  if (!incoming.message) {
    const Error& error = incoming.message.error();
    // A hello from a newer agent fails to parse; nothing else will work with it either.
    if (phase_ == Phase::greeting && error.code() == errc::kUnsupportedVersion) {
      fail(error.with_context("guest hello"));
      return;
    }
    bad_frame("refused a frame from the guest: " + error.code() + ": " + error.message());
    return;
  }
  if (phase_ == Phase::idle) idle_since_ = last_now_;
  handle_message(std::move(*incoming.message));
}

void HostSession::handle_message(Message message) {
  std::optional<std::uint32_t> re = answered_id(message);
  if (re && is_stale(*re)) return;  // a failed transfer's chunks, answered late
  std::visit(
      [this](auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, SyncAck>) {
          // Resent syncs are each acknowledged; only a foreign nonce is suspicious.
          if (m.nonce != nonce_) bad_frame("sync_ack with another session's nonce");
        } else if constexpr (std::is_same_v<T, Hello>) {
          handle_hello(m);
        } else if constexpr (std::is_same_v<T, Heartbeat>) {
          handle_heartbeat(m);
        } else if constexpr (std::is_same_v<T, Result>) {
          handle_result(m);
        } else if constexpr (std::is_same_v<T, ErrorMessage>) {
          handle_error(m);
        } else if constexpr (std::is_same_v<T, OfferAccept>) {
          handle_offer_accept(m);
        } else if constexpr (std::is_same_v<T, TransferComplete>) {
          handle_transfer_complete(m);
        } else if constexpr (std::is_same_v<T, Inventory>) {
          handle_inventory(m);
        } else {
          // Requests only a host makes (sync, offer, chunk, apply, ...): never answered, so
          // a confused or hostile guest cannot start an exchange.
          bad_frame("a guest does not send " + std::string(T::kType) + " messages");
        }
      },
      message);
}

void HostSession::handle_sync_ack(const SyncAck&) {
  sync_ids_.clear();
  send_hello();
}

void HostSession::send_hello() {
  Hello hello;
  std::uint32_t id = next_id();
  hello.correlation = Correlation::request(id);
  hello.agent_version = fit_display_text(options_.agent_version, kMaxAgentVersionLength);
  hello.role = Role::host;
  hello.capabilities = {"offer", "apply", "rollback", "inventory", "heartbeat"};
  hello.kernel = options_.host_kernel;
  hello.environment = options_.host_environment;
  begin_request(Phase::greeting, id, options_.hello_timeout, {});
  queue(hello);
}

void HostSession::handle_hello(const Hello& hello) {
  if (!hello.correlation.is_reply) {
    // The protocol lets either side start a hello; answer it as a hello reply, cheaply.
    Hello reply;
    reply.correlation = Correlation::reply_to(hello.correlation.number);
    reply.agent_version = fit_display_text(options_.agent_version, kMaxAgentVersionLength);
    reply.role = Role::host;
    reply.kernel = options_.host_kernel;
    reply.environment = options_.host_environment;
    queue(reply);
    return;
  }
  if (phase_ != Phase::greeting || hello.correlation.number != request_id_) {
    bad_frame("a hello reply to no hello of ours");
    return;
  }
  if (hello.role != Role::guest) {
    fail(Error(errc::kProtocolViolation, "the guest's hello claims the host role"));
    return;
  }
  hello_ = hello;
  window_acks_ = std::find(hello.capabilities.begin(), hello.capabilities.end(), "heartbeat") !=
                 hello.capabilities.end();
  finish_request();
  emit(Ready{hello});
}

void HostSession::handle_heartbeat(const Heartbeat& heartbeat) {
  if (!heartbeat.correlation.is_reply) {
    queue(Heartbeat{Correlation::reply_to(heartbeat.correlation.number), heartbeat.seq});
    return;
  }
  const std::uint32_t re = heartbeat.correlation.number;
  if (heartbeat_ && re == heartbeat_->id) {
    if (heartbeat.seq != heartbeat_->seq) {
      fail(Error(errc::kProtocolViolation, "heartbeat echoed with another sequence number"));
      return;
    }
    heartbeat_.reset();
    return;
  }
  if (transfer_ && !transfer_->markers.empty()) {
    // The window markers come back in the order they were sent, once the chunks before
    // each were staged (the guest handles frames in order).
    const Transfer::Marker marker = transfer_->markers.front();
    if (re == marker.id) {
      if (heartbeat.seq != marker.offset) {
        fail(Error(errc::kProtocolViolation, "window acknowledgement for the wrong offset"));
        return;
      }
      transfer_->markers.pop_front();
      transfer_->acked_offset = marker.offset;
      request_deadline_ = last_now_ + options_.chunk_timeout;
      pump_chunks();
      return;
    }
    for (const auto& later : transfer_->markers) {
      if (re == later.id) {
        fail(Error(errc::kProtocolViolation, "window acknowledgements out of order"));
        return;
      }
    }
  }
  bad_frame("a heartbeat reply to no heartbeat of ours");
}

void HostSession::handle_result(const Result& result) {
  if (transfer_ && phase_ == Phase::transferring && result.re >= transfer_->first_chunk_id &&
      result.re < next_id_) {
    if (result.ok) {
      fail(Error(errc::kProtocolViolation, "an ok result for a chunk"));
      return;
    }
    // A refused chunk ends the transfer; replies to the chunks and markers behind it are
    // still coming and will be ignored.
    std::string bundle_id = transfer_->bundle_id;
    stale_low_ = transfer_->first_chunk_id;
    stale_high_ = next_id_ - 1;
    transfer_.reset();
    finish_request();
    emit(RequestResult{RequestKind::chunk, std::move(bundle_id), result});
    return;
  }
  std::optional<RequestKind> kind = current_kind();
  if (!kind || result.re != request_id_ || phase_ == Phase::greeting ||
      phase_ == Phase::transferring) {
    bad_frame("a result for no request of ours");
    return;
  }
  if (result.ok && (*kind == RequestKind::offer || *kind == RequestKind::inventory)) {
    fail(Error(errc::kProtocolViolation,
               std::string("an ok result instead of the reply to ") + request_kind_name(*kind)));
    return;
  }
  std::string bundle_id = request_bundle_id_;
  finish_request();
  emit(RequestResult{*kind, std::move(bundle_id), result});
}

void HostSession::handle_error(const ErrorMessage& error) {
  if (!error.re) {
    bad_frame("the guest refused a frame: " + error.code + ": " + error.message);
    return;
  }
  if (phase_ == Phase::greeting && *error.re == request_id_) {
    fail(Error(errc::kGuestRefusedFrame,
               "the guest refused our hello: " + error.code + ": " + error.message));
    return;
  }
  // Everything else the guest refused ends the request it belongs to, as a failed result.
  Result result{*error.re, false, error.code, error.message, std::nullopt};
  bool ours = (current_kind() && *error.re == request_id_) ||
              (transfer_ && phase_ == Phase::transferring &&
               *error.re >= transfer_->first_chunk_id && *error.re < next_id_);
  if (ours) {
    handle_result(result);
    return;
  }
  if (heartbeat_ && *error.re == heartbeat_->id) {
    fail(Error(errc::kGuestRefusedFrame, "the guest refused our heartbeat: " + error.code));
    return;
  }
  bad_frame("an error for no request of ours: " + error.code);
}

void HostSession::handle_offer_accept(const OfferAccept& accept) {
  if (phase_ != Phase::offering || accept.re != request_id_ || !transfer_) {
    bad_frame("an offer_accept for no offer of ours");
    return;
  }
  const std::uint64_t size = transfer_->bytes->size();
  if (accept.offset > size) {
    fail(Error(errc::kProtocolViolation, "offer_accept resumes at byte " +
                                             std::to_string(accept.offset) + " of a " +
                                             std::to_string(size) + "-byte bundle"));
    return;
  }
  transfer_->resumed_from = accept.offset;
  transfer_->next_offset = accept.offset;
  transfer_->acked_offset = accept.offset;
  if (accept.offset == size) {
    // Already staged and verified in an earlier session.
    TransferDone done{transfer_->bundle_id, 0, accept.offset};
    transfer_.reset();
    finish_request();
    emit(std::move(done));
    return;
  }
  transfer_->first_chunk_id = next_id_;
  phase_ = Phase::transferring;
  request_deadline_ = last_now_ + options_.chunk_timeout;
  pump_chunks();
}

void HostSession::handle_transfer_complete(const TransferComplete& complete) {
  if (phase_ != Phase::transferring || !transfer_ || transfer_->last_chunk_id == 0 ||
      complete.re != transfer_->last_chunk_id) {
    bad_frame("a transfer_complete for no final chunk of ours");
    return;
  }
  if (complete.sha256 != transfer_->sha256 || complete.size != transfer_->bytes->size() ||
      !transfer_->markers.empty()) {
    fail(Error(errc::kProtocolViolation,
               "transfer_complete for other bytes than bundle " + transfer_->bundle_id));
    return;
  }
  TransferDone done{transfer_->bundle_id, transfer_->bytes->size() - transfer_->resumed_from,
                    transfer_->resumed_from};
  transfer_.reset();
  finish_request();
  emit(std::move(done));
}

void HostSession::handle_inventory(const Inventory& inventory) {
  if (phase_ != Phase::inventory || inventory.re != request_id_) {
    bad_frame("an inventory for no request of ours");
    return;
  }
  finish_request();
  emit(inventory);
}

void HostSession::bad_frame(const std::string& why) {
  ++bad_frames_;
  if (bad_frames_ > options_.max_bad_frames) {
    fail(Error(errc::kTooManyBadFrames,
               std::to_string(bad_frames_) + " bad frames from the guest; the last: " + why));
  }
}

bool HostSession::is_stale(std::uint32_t re) const {
  return stale_high_ != 0 && re >= stale_low_ && re <= stale_high_;
}

std::optional<RequestKind> HostSession::current_kind() const {
  switch (phase_) {
    case Phase::inventory:
      return RequestKind::inventory;
    case Phase::offering:
      return RequestKind::offer;
    case Phase::transferring:
      return RequestKind::chunk;
    case Phase::applying:
      return RequestKind::apply;
    case Phase::rolling_back:
      return RequestKind::rollback;
    default:
      return std::nullopt;
  }
}

void HostSession::tick(SessionClock::time_point now) {
  last_now_ = now;
  auto timed_out = [&](const std::string& what, milliseconds limit) {
    fail(Error(errc::kTimeout, "no " + what + " from the guest within " + seconds_text(limit)));
  };
  switch (phase_) {
    case Phase::not_started:
    case Phase::failed:
      return;
    case Phase::syncing:
      if (now >= sync_deadline_) return timed_out("sync_ack", options_.sync_timeout);
      if (now >= sync_resend_at_) send_sync();
      return;
    case Phase::greeting:
      if (now >= request_deadline_) return timed_out("hello", options_.hello_timeout);
      break;
    case Phase::inventory:
    case Phase::offering:
      if (now >= request_deadline_) {
        return timed_out(phase_ == Phase::inventory ? "inventory" : "reply to the offer",
                         options_.request_timeout);
      }
      break;
    case Phase::transferring:
      if (now >= request_deadline_) {
        return timed_out("progress of the transfer of " + transfer_->bundle_id,
                         options_.chunk_timeout);
      }
      break;
    case Phase::applying:
    case Phase::rolling_back:
      if (now >= request_deadline_) {
        return timed_out(std::string("result of ") +
                             (phase_ == Phase::applying ? "apply " : "rollback ") +
                             request_bundle_id_,
                         options_.apply_timeout);
      }
      break;
    case Phase::idle:
      if (!heartbeat_ && now >= idle_since_ + options_.heartbeat_interval) {
        std::uint32_t id = next_id();
        heartbeat_ = PendingHeartbeat{id, ++heartbeat_seq_, now + options_.heartbeat_timeout};
        queue(Heartbeat{Correlation::request(id), heartbeat_->seq});
        return;
      }
      break;
  }
  if (heartbeat_ && now >= heartbeat_->deadline) {
    timed_out("heartbeat echo", options_.heartbeat_timeout);
  }
}

std::optional<SessionClock::time_point> HostSession::next_deadline() const {
  std::optional<SessionClock::time_point> next;
  auto consider = [&](SessionClock::time_point at) {
    if (!next || at < *next) next = at;
  };
  switch (phase_) {
    case Phase::not_started:
    case Phase::failed:
      return std::nullopt;
    case Phase::syncing:
      consider(sync_deadline_);
      consider(sync_resend_at_);
      return next;
    case Phase::idle:
      if (!heartbeat_) consider(idle_since_ + options_.heartbeat_interval);
      break;
    default:
      consider(request_deadline_);
      break;
  }
  if (heartbeat_) consider(heartbeat_->deadline);
  return next;
}

std::string HostSession::take_output() {
  pump_chunks();
  std::string taken;
  taken.swap(output_);
  return taken;
}

std::optional<HostSession::TransferProgress> HostSession::transfer_progress() const {
  if (!transfer_) return std::nullopt;
  return TransferProgress{transfer_->bundle_id, transfer_->bytes->size(), transfer_->resumed_from,
                          transfer_->next_offset, transfer_->acked_offset};
}

std::vector<HostEvent> HostSession::take_events() {
  std::vector<HostEvent> taken;
  taken.swap(events_);
  return taken;
}

Status HostSession::check_idle() const {
  switch (phase_) {
    case Phase::idle:
      return Status::ok();
    case Phase::failed:
      return Error(errc::kSessionFailed, "the session failed: close the channel");
    case Phase::not_started:
    case Phase::syncing:
    case Phase::greeting:
      return Error(errc::kSessionNotReady, "the guest has not said hello yet");
    default:
      return Error(errc::kSessionBusy, "another request is outstanding");
  }
}

void HostSession::begin_request(Phase phase, std::uint32_t id, milliseconds timeout,
                                std::string bundle_id) {
  phase_ = phase;
  request_id_ = id;
  request_bundle_id_ = std::move(bundle_id);
  request_deadline_ = last_now_ + timeout;
}

void HostSession::finish_request() {
  phase_ = Phase::idle;
  request_id_ = 0;
  request_bundle_id_.clear();
  idle_since_ = last_now_;
}

Status HostSession::request_inventory(SessionClock::time_point now) {
  last_now_ = now;
  if (Status idle = check_idle(); !idle) return idle;
  std::uint32_t id = next_id();
  begin_request(Phase::inventory, id, options_.request_timeout, {});
  queue(InventoryRequest{id});
  return Status::ok();
}

Status HostSession::send_bundle(std::string bundle_id,
                                std::shared_ptr<const std::string> bundle_bytes,
                                SessionClock::time_point now) {
  last_now_ = now;
  if (Status idle = check_idle(); !idle) return idle;
  if (!is_valid_id(bundle_id)) {
    return Error(errc::kInvalidBundle, "not a valid bundle id: " + to_display_text(bundle_id, 80));
  }
  if (!bundle_bytes || bundle_bytes->empty() || bundle_bytes->size() > kMaxBundleBytes) {
    return Error(errc::kInvalidBundle, "bundle " + bundle_id + " must be 1.." +
                                           std::to_string(kMaxBundleBytes) + " bytes");
  }
  Transfer transfer;
  transfer.bundle_id = bundle_id;
  transfer.sha256 = sha256_hex(*bundle_bytes);
  transfer.bytes = std::move(bundle_bytes);
  std::uint32_t id = next_id();
  Offer offer{id, bundle_id, transfer.sha256, transfer.bytes->size()};
  transfer_ = std::move(transfer);
  begin_request(Phase::offering, id, options_.request_timeout, std::move(bundle_id));
  queue(offer);
  return Status::ok();
}

template <typename Command>
Status HostSession::send_bundle_command(Phase phase, Command command,
                                        SessionClock::time_point now) {
  last_now_ = now;
  if (Status idle = check_idle(); !idle) return idle;
  if (!is_valid_id(command.bundle_id)) {
    return Error(errc::kInvalidBundle,
                 "not a valid bundle id: " + to_display_text(command.bundle_id, 80));
  }
  command.id = next_id();
  begin_request(phase, command.id, options_.apply_timeout, command.bundle_id);
  queue(command);
  return Status::ok();
}

Status HostSession::apply(std::string bundle_id, SessionClock::time_point now) {
  return send_bundle_command(Phase::applying, Apply{0, std::move(bundle_id)}, now);
}

Status HostSession::apply_clearing_crash_record(std::string bundle_id,
                                                SessionClock::time_point now) {
  return send_bundle_command(Phase::applying, Apply{0, std::move(bundle_id), true}, now);
}

Status HostSession::rollback(std::string bundle_id, SessionClock::time_point now) {
  return send_bundle_command(Phase::rolling_back, Rollback{0, std::move(bundle_id)}, now);
}

bool HostSession::transfer_window_open() const {
  return !window_acks_ || transfer_->next_offset - transfer_->acked_offset < options_.window_bytes;
}

// Queues chunks while the window is open and the output has room; a heartbeat after every
// half window lets the guest's echo say how far it got.
void HostSession::pump_chunks() {
  if (phase_ != Phase::transferring || !transfer_) return;
  const std::string& bytes = *transfer_->bytes;
  const std::size_t frame_bound = chunk_frame_bound(options_.chunk_bytes);
  while (transfer_->next_offset < bytes.size() && transfer_window_open() &&
         output_.size() + frame_bound + kControlReserveBytes <= options_.max_queued_output_bytes) {
    const std::uint64_t offset = transfer_->next_offset;
    const std::size_t length = static_cast<std::size_t>(
        std::min<std::uint64_t>(options_.chunk_bytes, bytes.size() - offset));
    std::uint32_t id = next_id();
    // One allocation for the whole batch, handed to the connection by take_output(), rather
    // than a reallocation and copy of everything queued at each chunk.
    if (output_.capacity() < options_.max_queued_output_bytes) {
      output_.reserve(options_.max_queued_output_bytes);
    }
    queue_frame(Chunk{id, transfer_->sha256, offset, {}},
                std::string_view(bytes).substr(static_cast<std::size_t>(offset), length));
    if (phase_ == Phase::failed) return;
    transfer_->next_offset = offset + length;
    if (transfer_->next_offset == bytes.size()) {
      transfer_->last_chunk_id = id;
      return;
    }
    transfer_->since_marker += length;
    if (window_acks_ && transfer_->since_marker * 2 >= options_.window_bytes) {
      std::uint32_t marker = next_id();
      transfer_->markers.push_back({marker, transfer_->next_offset});
      transfer_->since_marker = 0;
      queue(Heartbeat{Correlation::request(marker), transfer_->next_offset});
    }
  }
}

void HostSession::queue(const Message& message) {
  queue_frame(message, body_of(message));
}

void HostSession::queue_frame(const Message& message, std::string_view body) {
  if (phase_ == Phase::failed) return;
  if (Status appended = append_frame(to_json(message), body, output_); !appended) {
    // Only a chunk could be too large, and chunk_bytes is validated: a bug, not the guest.
    fail(appended.error().with_context("encoding " + describe(message)));
    return;
  }
  if (output_.size() > options_.max_queued_output_bytes) {
    fail(Error(errc::kOutputOverflow,
               "more than " + std::to_string(options_.max_queued_output_bytes) +
                   " bytes queued for a guest that does not read (while queueing " +
                   describe(message) + ")"));
    return;
  }
}

void HostSession::fail(Error error) {
  if (phase_ == Phase::failed) return;
  phase_ = Phase::failed;
  transfer_.reset();
  heartbeat_.reset();
  output_.clear();
  output_.shrink_to_fit();
  emit(SessionFailed{std::move(error)});
}

}  // namespace hotsplice::protocol
