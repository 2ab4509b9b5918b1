#include "core/protocol/messages.h"

#include <utility>

#include "core/base/error_codes.h"
#include "core/protocol/error_codes.h"
#include "core/protocol/field_rules.h"

namespace hotsplice::protocol {
namespace {

Json typed(std::string_view type) {
  return Json{{"type", type}};
}

Expected<KernelIdentity> read_kernel(const JsonObject& fields) {
  auto kernel = fields.object("kernel");
  if (!kernel) return kernel.error();
  return kernel_identity_from_json(*kernel);
}

Expected<std::vector<std::string>> read_capabilities(const JsonObject& fields) {
  auto capabilities = fields.string_array("capabilities", kMaxCapabilities, kMaxTokenLength);
  if (!capabilities) return capabilities.error();
  for (std::size_t i = 0; i < capabilities->size(); ++i) {
    if (!is_valid_token((*capabilities)[i])) {
      return Error(hotsplice::errc::kInvalidField,
                   fields.path() + ".capabilities[" + std::to_string(i) +
                       "]: expected 1-64 characters from [a-z0-9._-]");
    }
  }
  return capabilities;
}

Expected<std::uint32_t> read_protocol_version(const JsonObject& fields) {
  auto version = read_u32(fields, "protocol_version");
  if (!version) return version.error();
  if (*version == 0) return fields.invalid("protocol_version", "must be at least 1");
  if (*version > kProtocolVersion) {
    return Error(errc::kUnsupportedVersion, fields.path() + ".protocol_version: the peer speaks " +
                                                std::to_string(*version) + ", this side speaks " +
                                                std::to_string(kProtocolVersion));
  }
  return version;
}

Expected<std::uint64_t> read_bundle_size(const JsonObject& fields, std::string_view key) {
  auto size = fields.unsigned_integer(key, kMaxBundleBytes);
  if (!size) return size.error();
  if (*size == 0) return fields.invalid(key, "a bundle is never empty");
  return size;
}

// apply and rollback name a bundle and nothing else.
Json bundle_command_json(std::string_view type, std::uint32_t id, const std::string& bundle_id) {
  Json json = typed(type);
  json["id"] = id;
  json["bundle_id"] = bundle_id;
  return json;
}

template <typename Command>
Expected<Command> read_bundle_command(const JsonObject& fields) {
  auto id = read_u32(fields, "id");
  if (!id) return id.error();
  auto bundle_id = read_id(fields, "bundle_id");
  if (!bundle_id) return bundle_id.error();
  return Command{*id, std::move(*bundle_id)};
}

// Finds the alternative of Message whose kType is type and parses the message as it.
template <std::size_t Index = 0>
Expected<Message> parse_as_type(std::string_view type, const Json& json) {
  if constexpr (Index == std::variant_size_v<Message>) {
    return Error(errc::kUnknownMessage,
                 "unknown message type \"" + to_display_text(type, kMaxTokenLength) + "\"");
  } else {
    using Candidate = std::variant_alternative_t<Index, Message>;
    if (type != Candidate::kType) return parse_as_type<Index + 1>(type, json);
    auto fields = JsonObject::from(json, std::string(Candidate::kType));
    if (!fields) return fields.error();
    auto parsed = Candidate::parse(*fields, json);
    if (!parsed) return parsed.error();
    return Message(std::move(*parsed));
  }
}

}  // namespace

Json Hello::to_json() const {
  Json json = typed(kType);
  add_correlation(json, correlation);
  json["protocol_version"] = protocol_version;
  json["agent_version"] = agent_version;
  json["role"] = role_name(role);
  json["capabilities"] = capabilities;
  json["kernel"] = hotsplice::to_json(kernel);
  json["applied_patches"] = protocol::to_json(applied_patches);
  json["environment"] = protocol::to_json(environment);
  if (!crash_records.empty()) json["crash_records"] = protocol::to_json(crash_records);
  return json;
}

Expected<Hello> Hello::parse(const JsonObject& fields, const Json&) {
  // The version comes first: a newer peer's hello may not have the fields this one expects.
  auto version = read_protocol_version(fields);
  if (!version) return version.error();
  auto correlation = read_correlation(fields);
  if (!correlation) return correlation.error();
  auto agent_version = read_text(fields, "agent_version", kMaxAgentVersionLength);
  if (!agent_version) return agent_version.error();
  auto role = read_role(fields, "role");
  if (!role) return role.error();
  auto capabilities = read_capabilities(fields);
  if (!capabilities) return capabilities.error();
  auto kernel = read_kernel(fields);
  if (!kernel) return kernel.error();
  auto patches = read_applied_patches(fields, "applied_patches");
  if (!patches) return patches.error();
  auto environment = read_environment(fields, "environment");
  if (!environment) return environment.error();
  auto crash_records = read_crash_records(fields, "crash_records");
  if (!crash_records) return crash_records.error();
  return Hello{*correlation,
               *version,
               std::move(*agent_version),
               *role,
               std::move(*capabilities),
               std::move(*kernel),
               std::move(*patches),
               std::move(*environment),
               std::move(*crash_records)};
}

Json Sync::to_json() const {
  Json json = typed(kType);
  json["id"] = id;
  json["nonce"] = nonce;
  return json;
}

Expected<Sync> Sync::parse(const JsonObject& fields, const Json&) {
  auto id = read_u32(fields, "id");
  if (!id) return id.error();
  auto nonce = fields.unsigned_integer("nonce");
  if (!nonce) return nonce.error();
  return Sync{*id, *nonce};
}

Json SyncAck::to_json() const {
  Json json = typed(kType);
  json["re"] = re;
  json["nonce"] = nonce;
  return json;
}

Expected<SyncAck> SyncAck::parse(const JsonObject& fields, const Json&) {
  auto re_id = read_u32(fields, "re");
  if (!re_id) return re_id.error();
  auto nonce = fields.unsigned_integer("nonce");
  if (!nonce) return nonce.error();
  return SyncAck{*re_id, *nonce};
}

Json InventoryRequest::to_json() const {
  Json json = typed(kType);
  json["id"] = id;
  return json;
}

Expected<InventoryRequest> InventoryRequest::parse(const JsonObject& fields, const Json&) {
  auto id = read_u32(fields, "id");
  if (!id) return id.error();
  return InventoryRequest{*id};
}

Json Inventory::to_json() const {
  Json json = typed(kType);
  json["re"] = re;
  json["kernel"] = hotsplice::to_json(kernel);
  json["applied_patches"] = protocol::to_json(applied_patches);
  if (!crash_records.empty()) json["crash_records"] = protocol::to_json(crash_records);
  return json;
}

Expected<Inventory> Inventory::parse(const JsonObject& fields, const Json&) {
  auto re_id = read_u32(fields, "re");
  if (!re_id) return re_id.error();
  auto kernel = read_kernel(fields);
  if (!kernel) return kernel.error();
  auto patches = read_applied_patches(fields, "applied_patches");
  if (!patches) return patches.error();
  auto crash_records = read_crash_records(fields, "crash_records");
  if (!crash_records) return crash_records.error();
  return Inventory{*re_id, std::move(*kernel), std::move(*patches), std::move(*crash_records)};
}

Json Offer::to_json() const {
  Json json = typed(kType);
  json["id"] = id;
  json["bundle_id"] = bundle_id;
  json["sha256"] = sha256;
  json["size"] = size;
  return json;
}

Expected<Offer> Offer::parse(const JsonObject& fields, const Json&) {
  auto id = read_u32(fields, "id");
  if (!id) return id.error();
  auto bundle_id = read_id(fields, "bundle_id");
  if (!bundle_id) return bundle_id.error();
  auto sha256 = read_sha256(fields, "sha256");
  if (!sha256) return sha256.error();
  auto size = read_bundle_size(fields, "size");
  if (!size) return size.error();
  return Offer{*id, std::move(*bundle_id), std::move(*sha256), *size};
}

Json OfferAccept::to_json() const {
  Json json = typed(kType);
  json["re"] = re;
  json["offset"] = offset;
  return json;
}

Expected<OfferAccept> OfferAccept::parse(const JsonObject& fields, const Json&) {
  auto re_id = read_u32(fields, "re");
  if (!re_id) return re_id.error();
  auto offset = fields.unsigned_integer("offset", kMaxBundleBytes);
  if (!offset) return offset.error();
  return OfferAccept{*re_id, *offset};
}

Json Chunk::to_json() const {
  Json json = typed(kType);
  json["id"] = id;
  json["sha256"] = sha256;
  json["offset"] = offset;
  return json;
}

Expected<Chunk> Chunk::parse(const JsonObject& fields, const Json&) {
  auto id = read_u32(fields, "id");
  if (!id) return id.error();
  auto sha256 = read_sha256(fields, "sha256");
  if (!sha256) return sha256.error();
  // offset + data stays within a bundle: the receiver checks the exact bound.
  auto offset = fields.unsigned_integer("offset", kMaxBundleBytes - 1);
  if (!offset) return offset.error();
  return Chunk{*id, std::move(*sha256), *offset, {}};
}

Json TransferComplete::to_json() const {
  Json json = typed(kType);
  json["re"] = re;
  json["sha256"] = sha256;
  json["size"] = size;
  return json;
}

Expected<TransferComplete> TransferComplete::parse(const JsonObject& fields, const Json&) {
  auto re_id = read_u32(fields, "re");
  if (!re_id) return re_id.error();
  auto sha256 = read_sha256(fields, "sha256");
  if (!sha256) return sha256.error();
  auto size = read_bundle_size(fields, "size");
  if (!size) return size.error();
  return TransferComplete{*re_id, std::move(*sha256), *size};
}

Json Apply::to_json() const {
  Json json = bundle_command_json(kType, id, bundle_id);
  if (clear_crash) json["clear_crash"] = true;
  return json;
}

Expected<Apply> Apply::parse(const JsonObject& fields, const Json&) {
  auto apply = read_bundle_command<Apply>(fields);
  if (!apply) return apply;
  if (fields.has("clear_crash")) {
    auto clear_crash = fields.boolean("clear_crash");
    if (!clear_crash) return clear_crash.error();
    apply->clear_crash = *clear_crash;
  }
  return apply;
}

Json Rollback::to_json() const {
  return bundle_command_json(kType, id, bundle_id);
}

Expected<Rollback> Rollback::parse(const JsonObject& fields, const Json&) {
  return read_bundle_command<Rollback>(fields);
}

Json Result::to_json() const {
  Json json = typed(kType);
  json["re"] = re;
  json["ok"] = ok;
  json["code"] = code;
  // Outcome text often quotes the kernel or the peer; make sure the peer will accept it.
  json["message"] = fit_display_text(message);
  if (state) json["state"] = *state;
  return json;
}

Expected<Result> Result::parse(const JsonObject& fields, const Json& json) {
  auto re_id = read_u32(fields, "re");
  if (!re_id) return re_id.error();
  auto ok = fields.boolean("ok");
  if (!ok) return ok.error();
  auto code = read_code(fields, "code");
  if (!code) return code.error();
  auto message = read_text(fields, "message");
  if (!message) return message.error();
  Result result{*re_id, *ok, std::move(*code), std::move(*message), std::nullopt};
  if (fields.has("state")) {
    // Free-form by design (it describes whatever was applied); the frame decoder has
    // already bounded its size and nesting.
    if (auto state = fields.object("state"); !state) return state.error();
    result.state = json.at("state");
  }
  return result;
}

Json Heartbeat::to_json() const {
  Json json = typed(kType);
  add_correlation(json, correlation);
  json["seq"] = seq;
  return json;
}

Expected<Heartbeat> Heartbeat::parse(const JsonObject& fields, const Json&) {
  auto correlation = read_correlation(fields);
  if (!correlation) return correlation.error();
  auto seq = fields.unsigned_integer("seq");
  if (!seq) return seq.error();
  return Heartbeat{*correlation, *seq};
}

ErrorMessage ErrorMessage::answering(const Error& error, std::optional<std::uint32_t> request_id) {
  return ErrorMessage{
      request_id, is_valid_code(error.code()) ? error.code() : std::string(errc::kInternalError),
      to_display_text(error.message())};
}

Json ErrorMessage::to_json() const {
  Json json = typed(kType);
  if (re) json["re"] = *re;
  json["code"] = code;
  json["message"] = fit_display_text(message);
  return json;
}

Expected<ErrorMessage> ErrorMessage::parse(const JsonObject& fields, const Json&) {
  ErrorMessage error;
  if (fields.has("re")) {
    auto re_id = read_u32(fields, "re");
    if (!re_id) return re_id.error();
    error.re = *re_id;
  }
  auto code = read_code(fields, "code");
  if (!code) return code.error();
  auto message = read_text(fields, "message");
  if (!message) return message.error();
  error.code = std::move(*code);
  error.message = std::move(*message);
  return error;
}

std::optional<std::uint32_t> find_request_id(const Json& message) {
  if (!message.is_object()) return std::nullopt;
  auto id = message.find("id");
  if (id == message.end() || !id->is_number_unsigned()) return std::nullopt;
  auto number = id->get<std::uint64_t>();
  if (number > UINT32_MAX) return std::nullopt;
  return static_cast<std::uint32_t>(number);
}

std::string_view type_of(const Message& message) {
  return std::visit([](const auto& typed_message) { return typed_message.kType; }, message);
}

Json to_json(const Message& message) {
  return std::visit([](const auto& typed_message) { return typed_message.to_json(); }, message);
}

std::string_view body_of(const Message& message) {
  if (const auto* chunk = std::get_if<Chunk>(&message)) return chunk->data;
  return {};
}

Expected<Message> parse_message(Frame frame) {
  auto envelope = JsonObject::from(frame.message, "message");
  if (!envelope) return envelope.error();
  auto type = envelope->string("type", kMaxTokenLength);
  if (!type) return type.error();
  auto message = parse_as_type(*type, frame.message);
  if (!message) return message;
  if (auto* chunk = std::get_if<Chunk>(&*message)) {
    if (frame.body.empty() || frame.body.size() > kMaxChunkBytes) {
      return Error(hotsplice::errc::kInvalidField,
                   "chunk.body: expected 1 to " + std::to_string(kMaxChunkBytes) +
                       " bytes, found " + std::to_string(frame.body.size()));
    }
    chunk->data = std::move(frame.body);
  } else if (!frame.body.empty()) {
    return Error(errc::kUnexpectedBody, std::string(type_of(*message)) + ": frame carries " +
                                            std::to_string(frame.body.size()) +
                                            " body bytes; only chunk frames have a body");
  }
  return message;
}

Expected<std::string> encode_message(const Message& message, std::size_t max_frame_bytes) {
  return encode_frame(to_json(message), body_of(message), max_frame_bytes);
}

}  // namespace hotsplice::protocol
