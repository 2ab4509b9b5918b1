// The messages host and guest agents exchange, one per frame (frame_codec.h).
//
// Every message is a JSON object with "type". Requests carry "id" (u32, chosen by the
// sender); replies carry "re" = the id they answer. The conversation:
//
//   host -> guest                         guest -> host
//   sync {nonce}                          sync_ack {nonce}       host ignores all frames
//                                                                until the ack with its nonce
//   hello {id, ...}                       hello {re, ...}        versions, kernel, patches
//   inventory_request                     inventory
//   offer {bundle_id, sha256, size}       offer_accept {offset}  bytes already staged
//                                         | result {ok: false}
//   chunk {sha256, offset} + body         nothing while more is expected; transfer_complete
//                                         {sha256, size} after the last byte verified;
//                                         result {ok: false} on a bad chunk
//   apply / rollback {bundle_id}          result {ok, code, message, state?}
//   heartbeat {id, seq}                   heartbeat {re, seq}    (either side may start one)
//   any frame that fails to decode or parse is answered by error {re?, code, message}
//
// Parsing is strict about every field it knows (bounded lengths, restricted character sets,
// errors naming the field path) and ignores fields it does not know, so a later protocol
// version can add fields without breaking older peers. A hello announcing a newer
// protocol_version fails with "unsupported_version"; an unknown type with "unknown_message".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/base/expected.h"
#include "core/base/json_reader.h"
#include "core/kernel/kernel_identity.h"
#include "core/protocol/frame_codec.h"
#include "core/protocol/message_parts.h"

namespace hotsplice::protocol {

inline constexpr std::uint32_t kProtocolVersion = 1;
// A bundle is a livepatch module (typically tens of KiB) with its manifest and signature.
inline constexpr std::uint64_t kMaxBundleBytes = 64ull * 1024 * 1024;
// Chunk bodies leave room in a default-sized frame for the chunk's JSON.
inline constexpr std::size_t kMaxChunkBytes = kDefaultMaxFrameBytes - 4096;
inline constexpr std::size_t kMaxAgentVersionLength = 64;

// Each struct: kType (the wire "type"), to_json() (with "type"), and parse(fields, json)
// reading a message whose "type" already matched; fields names paths after the type.
struct Hello {
  static constexpr std::string_view kType = "hello";
  Correlation correlation;
  std::uint32_t protocol_version = kProtocolVersion;
  std::string agent_version;
  Role role = Role::guest;
  std::vector<std::string> capabilities;
  KernelIdentity kernel;
  std::vector<AppliedPatch> applied_patches;
  Environment environment;
  // Optional on the wire (issue 11): bundles the agent will not apply by itself.
  std::vector<CrashRecord> crash_records{};

  Json to_json() const;
  static Expected<Hello> parse(const JsonObject& fields, const Json& json);
  bool operator==(const Hello&) const = default;
};

struct Sync {
  static constexpr std::string_view kType = "sync";
  std::uint32_t id = 0;
  std::uint64_t nonce = 0;

  Json to_json() const;
  static Expected<Sync> parse(const JsonObject& fields, const Json& json);
  bool operator==(const Sync&) const = default;
};

struct SyncAck {
  static constexpr std::string_view kType = "sync_ack";
  std::uint32_t re = 0;
  std::uint64_t nonce = 0;

  Json to_json() const;
  static Expected<SyncAck> parse(const JsonObject& fields, const Json& json);
  bool operator==(const SyncAck&) const = default;
};

struct InventoryRequest {
  static constexpr std::string_view kType = "inventory_request";
  std::uint32_t id = 0;

  Json to_json() const;
  static Expected<InventoryRequest> parse(const JsonObject& fields, const Json& json);
  bool operator==(const InventoryRequest&) const = default;
};

struct Inventory {
  static constexpr std::string_view kType = "inventory";
  std::uint32_t re = 0;
  KernelIdentity kernel;
  std::vector<AppliedPatch> applied_patches;
  std::vector<CrashRecord> crash_records{};  // optional on the wire, as in hello

  Json to_json() const;
  static Expected<Inventory> parse(const JsonObject& fields, const Json& json);
  bool operator==(const Inventory&) const = default;
};

struct Offer {
  static constexpr std::string_view kType = "offer";
  std::uint32_t id = 0;
  std::string bundle_id;
  std::string sha256;      // of the whole bundle file
  std::uint64_t size = 0;  // 1..kMaxBundleBytes

  Json to_json() const;
  static Expected<Offer> parse(const JsonObject& fields, const Json& json);
  bool operator==(const Offer&) const = default;
};

struct OfferAccept {
  static constexpr std::string_view kType = "offer_accept";
  std::uint32_t re = 0;
  std::uint64_t offset = 0;  // bytes already staged: the host sends from here

  Json to_json() const;
  static Expected<OfferAccept> parse(const JsonObject& fields, const Json& json);
  bool operator==(const OfferAccept&) const = default;
};

struct Chunk {
  static constexpr std::string_view kType = "chunk";
  std::uint32_t id = 0;
  std::string sha256;  // of the bundle being transferred
  std::uint64_t offset = 0;
  std::string data;  // travels in the frame body, 1..kMaxChunkBytes bytes

  Json to_json() const;  // without data
  static Expected<Chunk> parse(const JsonObject& fields, const Json& json);
  bool operator==(const Chunk&) const = default;
};

struct TransferComplete {
  static constexpr std::string_view kType = "transfer_complete";
  std::uint32_t re = 0;  // the chunk that completed the bundle
  std::string sha256;    // as verified over the staged file
  std::uint64_t size = 0;

  Json to_json() const;
  static Expected<TransferComplete> parse(const JsonObject& fields, const Json& json);
  bool operator==(const TransferComplete&) const = default;
};

struct Apply {
  static constexpr std::string_view kType = "apply";
  std::uint32_t id = 0;
  std::string bundle_id;
  // An operator's apply: the guest first clears the bundle's crash record (crashed_last_time,
  // kernel_bug_detected). Sent only when true; an agent without the guard ignores it.
  bool clear_crash = false;

  Json to_json() const;
  static Expected<Apply> parse(const JsonObject& fields, const Json& json);
  bool operator==(const Apply&) const = default;
};

struct Rollback {
  static constexpr std::string_view kType = "rollback";
  std::uint32_t id = 0;
  std::string bundle_id;

  Json to_json() const;
  static Expected<Rollback> parse(const JsonObject& fields, const Json& json);
  bool operator==(const Rollback&) const = default;
};

struct Result {
  static constexpr std::string_view kType = "result";
  std::uint32_t re = 0;
  bool ok = false;
  std::string code;           // snake_case; "ok" on success by convention
  std::string message;        // for humans, at most kMaxTextLength bytes
  std::optional<Json> state;  // an object describing the outcome, e.g. the patch's state

  Json to_json() const;
  static Expected<Result> parse(const JsonObject& fields, const Json& json);
  bool operator==(const Result&) const = default;
};

struct Heartbeat {
  static constexpr std::string_view kType = "heartbeat";
  Correlation correlation;
  std::uint64_t seq = 0;  // echoed back unchanged

  Json to_json() const;
  static Expected<Heartbeat> parse(const JsonObject& fields, const Json& json);
  bool operator==(const Heartbeat&) const = default;
};

// The "error" message: the answer to a frame or message that could not be understood.
struct ErrorMessage {
  static constexpr std::string_view kType = "error";
  std::optional<std::uint32_t> re;  // absent when the offending frame had no readable id
  std::string code;
  std::string message;

  // The reply to a frame that failed with error; request_id is its "id" when readable.
  static ErrorMessage answering(const Error& error, std::optional<std::uint32_t> request_id);

  Json to_json() const;
  static Expected<ErrorMessage> parse(const JsonObject& fields, const Json& json);
  bool operator==(const ErrorMessage&) const = default;
};

using Message =
    std::variant<Hello, Sync, SyncAck, InventoryRequest, Inventory, Offer, OfferAccept, Chunk,
                 TransferComplete, Apply, Rollback, Result, Heartbeat, ErrorMessage>;

std::string_view type_of(const Message& message);
Json to_json(const Message& message);
// The frame body the message travels with: a chunk's data, otherwise empty.
std::string_view body_of(const Message& message);

// The "id" of a message that may have failed to parse, when it holds a valid one: lets the
// error reply name the request it refuses.
std::optional<std::uint32_t> find_request_id(const Json& message);

// Reads a decoded frame as a message. A body is accepted on chunks only ("unexpected_body").
Expected<Message> parse_message(Frame frame);
// The wire bytes of a message (encode_frame of its JSON and body).
Expected<std::string> encode_message(const Message& message,
                                     std::size_t max_frame_bytes = kDefaultMaxFrameBytes);

}  // namespace hotsplice::protocol
