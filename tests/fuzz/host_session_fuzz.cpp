// Drives a HostSession with a guest scripted by the fuzzer input: raw bytes, replies built
// from what the host actually sent (so the fuzzer gets past sync and hello into transfers,
// applies and heartbeats) with fields it may bend, clock jumps, and the host's own requests.
// Besides "no crash, no leak", it checks the session's promises on every step:
//  - queued output never exceeds max_queued_output_bytes;
//  - after SessionFailed nothing more happens (no events, no output, no deadline);
//  - at most one SessionFailed, and events only after start.
//
// Input: a sequence of operations, each one byte of opcode followed by its operands.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/protocol/frame_codec.h"
#include "core/protocol/host_session.h"
#include "core/protocol/messages.h"
#include "tests/fuzz/support/fuzz_input.h"

namespace {

using namespace hotsplice;
using namespace hotsplice::protocol;

using Input = hotsplice::fuzzing::FuzzInput;

// What the host last asked for, read back from its output.
struct Seen {
  std::optional<Sync> sync;
  std::optional<Hello> hello;
  std::optional<Message> request;  // the last offer, apply, rollback or inventory_request
  std::optional<Chunk> last_chunk;
  std::vector<Heartbeat> heartbeats;
};

void read_output(HostSession& session, FrameDecoder& decoder, Seen& seen, std::size_t max_queued) {
  if (session.queued_output_bytes() > max_queued) __builtin_trap();
  std::string output = session.take_output();
  if (output.size() > max_queued) __builtin_trap();
  std::string_view input = output;
  while (auto frame = decoder.decode(input)) {
    if (!*frame) __builtin_trap();  // the host only writes well-formed frames
    auto message = parse_message(std::move(**frame));
    if (!message) __builtin_trap();  // ... of well-formed messages
    if (auto* sync = std::get_if<Sync>(&*message)) seen.sync = *sync;
    if (auto* hello = std::get_if<Hello>(&*message)) seen.hello = *hello;
    if (auto* chunk = std::get_if<Chunk>(&*message)) {
      chunk->data.clear();
      seen.last_chunk = *chunk;
    }
    if (auto* beat = std::get_if<Heartbeat>(&*message)) {
      if (seen.heartbeats.size() < 64) seen.heartbeats.push_back(*beat);
    }
    if (std::holds_alternative<Offer>(*message) || std::holds_alternative<Apply>(*message) ||
        std::holds_alternative<Rollback>(*message) ||
        std::holds_alternative<InventoryRequest>(*message)) {
      seen.request = *message;
    }
  }
}

// A reply to what the host sent, with ids and fields bent when the input says so.
std::optional<Message> reply(Input& in, Seen& seen) {
  const std::uint8_t kind = in.byte();
  const bool bend = (kind & 0x80) != 0;
  auto bent = [&](std::uint32_t id) { return bend ? id + (in.byte() % 3) - 1 : id; };
  switch (kind % 8) {
    case 0:
      if (!seen.sync) return std::nullopt;
      return SyncAck{bent(seen.sync->id), bend ? seen.sync->nonce ^ in.byte() : seen.sync->nonce};
    case 1: {
      if (!seen.hello) return std::nullopt;
      Hello hello;
      hello.correlation = Correlation::reply_to(bent(seen.hello->correlation.number));
      hello.agent_version = "fuzz";
      hello.role = (in.byte() & 1) ? Role::guest : Role::host;
      if (in.byte() & 1) hello.capabilities = {"heartbeat"};
      hello.kernel = {"6.1.0", "#1", "00"};
      return hello;
    }
    case 2: {
      if (!seen.request) return std::nullopt;
      std::uint32_t id = std::visit(
          [](const auto& m) -> std::uint32_t {
            if constexpr (requires { m.id; }) return m.id;
            return 0;
          },
          *seen.request);
      if (std::holds_alternative<Offer>(*seen.request)) {
        const Offer& offer = std::get<Offer>(*seen.request);
        std::uint64_t offset = in.byte() & 1 ? offer.size * in.byte() / 255 : 0;
        return OfferAccept{bent(id), offset + (bend ? in.byte() : 0)};
      }
      if (std::holds_alternative<InventoryRequest>(*seen.request)) {
        return Inventory{bent(id), {"6.1.0", "#1", "00"}, {}};
      }
      return Result{bent(id), (in.byte() & 1) != 0, "ok", "fuzz", std::nullopt};
    }
    case 3: {
      if (!seen.last_chunk) return std::nullopt;
      std::uint64_t size = seen.last_chunk->offset + in.u32() % 70000;
      return TransferComplete{bent(seen.last_chunk->id), seen.last_chunk->sha256, size};
    }
    case 4: {
      if (seen.heartbeats.empty()) return std::nullopt;
      Heartbeat beat = seen.heartbeats.front();
      seen.heartbeats.erase(seen.heartbeats.begin());
      return Heartbeat{Correlation::reply_to(bent(beat.correlation.number)),
                       bend ? beat.seq + in.byte() : beat.seq};
    }
    case 5:
      return Heartbeat{Correlation::request(in.u32()), in.u32()};
    case 6: {
      ErrorMessage error;
      if (in.byte() & 1) error.re = in.u32() % 64;
      error.code = "fuzz_error";
      error.message = "refused";
      return error;
    }
    default:
      return Result{in.u32() % 64, (in.byte() & 1) != 0, "ok", "stray", std::nullopt};
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Input in(data, size);
  HostSessionOptions options;
  options.chunk_bytes = 4096 * (1 + in.byte() % 4);
  options.window_bytes = options.chunk_bytes * (1 + in.byte() % 8);
  options.max_queued_output_bytes =
      chunk_frame_bound(options.chunk_bytes) * (1 + in.byte() % 4) + kControlReserveBytes;
  options.max_frame_bytes = 4096 + 1024 * (in.byte() % 8);
  options.max_bad_frames = in.byte() % 32;
  const std::size_t max_queued = options.max_queued_output_bytes;

  HostSession session(options);
  FrameDecoder decoder;
  Seen seen;
  SessionClock::time_point now{};
  session.start_with_nonce(now, 42);
  auto bundle = std::make_shared<const std::string>(20000 + in.byte() * 100, 'b');
  bool failed = false;

  for (int steps = 0; steps < 4096 && !in.empty(); ++steps) {
    switch (in.byte() % 6) {
      case 0:  // raw bytes from the guest
        session.on_bytes(in.bytes(in.byte()), now);
        break;
      case 1:
        if (auto message = reply(in, seen)) {
          auto bytes = encode_message(*message);
          if (bytes) session.on_bytes(*bytes, now);
        }
        break;
      case 2:
        now += std::chrono::milliseconds(in.u32() % 120000);
        session.tick(now);
        break;
      case 3:
        read_output(session, decoder, seen, max_queued);
        break;
      case 4:
        switch (in.byte() % 4) {
          case 0:
            (void)session.request_inventory(now);
            break;
          case 1:
            (void)session.send_bundle("hs-fuzz", bundle, now);
            break;
          case 2:
            (void)session.apply("hs-fuzz", now);
            break;
          default:
            (void)session.rollback("hs-fuzz", now);
            break;
        }
        break;
      default:
        for (const HostEvent& event : session.take_events()) {
          if (failed) __builtin_trap();  // nothing after SessionFailed
          if (std::holds_alternative<SessionFailed>(event)) failed = true;
        }
        if (failed && (session.queued_output_bytes() != 0 || session.next_deadline())) {
          __builtin_trap();
        }
        break;
    }
    if (session.queued_output_bytes() > max_queued) __builtin_trap();
  }
  return 0;
}
