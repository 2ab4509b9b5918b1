#include "core/protocol/messages.h"

#include <catch2/catch.hpp>
#include <set>

#include "core/base/error_codes.h"
#include "core/protocol/field_rules.h"
#include "core/protocol/tests/protocol_test_helpers.h"

namespace hotsplice::protocol {
namespace {

using test::decode_all;
using test::encoded;
using test::sample_sha256;

Expected<Message> parse_json_message(const Json& json, std::string body = {}) {
  return parse_message(Frame{json, std::move(body)});
}

// Asserts that json fails to parse with code, and that the message names field.
void require_refused(const Json& json, std::string_view code, std::string_view field) {
  auto message = parse_json_message(json);
  INFO(json.dump());
  REQUIRE_FALSE(message);
  INFO(message.error().message());
  CHECK(message.error().code() == code);
  CHECK(message.error().message().find(field) != std::string::npos);
}

Json valid_offer() {
  return Json{{"type", "offer"},
              {"id", 4u},
              {"bundle_id", "fix-1"},
              {"sha256", sample_sha256()},
              {"size", 1000u}};
}

Json valid_hello() {
  return to_json(test::one_of_each_message()[1]);
}

TEST_CASE("every message type round-trips through JSON and through a frame") {
  auto samples = test::one_of_each_message();
  std::set<std::string_view> types;
  for (const Message& sample : samples) {
    INFO(to_json(sample).dump());
    types.insert(type_of(sample));
    auto parsed = parse_json_message(to_json(sample), std::string(body_of(sample)));
    REQUIRE(parsed);
    CHECK(*parsed == sample);

    auto events = decode_all(encoded(sample));
    REQUIRE(events.size() == 1);
    REQUIRE(events[0]);
    auto decoded = parse_message(std::move(*events[0]));
    REQUIRE(decoded);
    CHECK(*decoded == sample);
  }
  CHECK(types.size() == std::variant_size_v<Message>);
}

TEST_CASE("the environment and role use their documented wire forms") {
  CHECK(to_json(Environment{Environment::Kind::vm, ""}) == Json{{"kind", "vm"}});
  CHECK(to_json(Environment{Environment::Kind::container, "openvz"}) ==
        Json{{"kind", "container"}, {"technology", "openvz"}});
  Json hello = valid_hello();
  CHECK(hello["role"] == "guest");
  CHECK(hello["re"] == 1);
  CHECK_FALSE(hello.contains("id"));
  CHECK(hello["applied_patches"][0] == Json{{"id", "cve-2024-1086.1"},
                                            {"module", "hotsplice_cve_2024_1086"},
                                            {"enabled", true},
                                            {"transition", false}});
}

TEST_CASE("crash records: optional in hello, each must say why, apply's clear_crash") {
  Json hello = valid_hello();
  hello.erase("crash_records");  // a peer from before issue 11
  auto parsed = parse_json_message(hello);
  REQUIRE(parsed);
  CHECK(std::get<Hello>(*parsed).crash_records.empty());
  // Nothing to report: the key is not even sent, so older peers see the hello they know.
  CHECK_FALSE(std::get<Hello>(*parsed).to_json().contains("crash_records"));
  hello["crash_records"] = Json::array({Json{{"bundle_id", "hs-1"},
                                             {"boot_id", "b-1"},
                                             {"started_at", 5},
                                             {"code", "crashed_last_time"}}});
  parsed = parse_json_message(hello);
  REQUIRE(parsed);
  CHECK(std::get<Hello>(*parsed).crash_records ==
        std::vector<CrashRecord>{{"hs-1", "b-1", 5, "crashed_last_time"}});
  hello["crash_records"][0].erase("code");
  require_refused(hello, "missing_field", "hello.crash_records[0].code");
  hello["crash_records"][0]["code"] = "Crashed!";
  require_refused(hello, "invalid_field", "hello.crash_records[0].code");

  CHECK(Apply{7, "hs-1"}.to_json() == Json{{"type", "apply"}, {"id", 7}, {"bundle_id", "hs-1"}});
  Json apply = Apply{7, "hs-1", true}.to_json();
  CHECK(apply["clear_crash"] == true);
  parsed = parse_json_message(apply);
  REQUIRE(parsed);
  CHECK(std::get<Apply>(*parsed).clear_crash);
  apply["clear_crash"] = "yes";
  require_refused(apply, "invalid_field", "apply.clear_crash");
}

TEST_CASE("missing fields are missing_field naming the field") {
  for (const char* field : {"id", "bundle_id", "sha256", "size"}) {
    Json offer = valid_offer();
    offer.erase(field);
    require_refused(offer, "missing_field", std::string("offer.") + field);
  }
  Json hello = valid_hello();
  hello["kernel"].erase("build_id");
  require_refused(hello, "missing_field", "hello.kernel.build_id");
  require_refused(Json{{"id", 1u}}, "missing_field", "message.type");
}

TEST_CASE("mistyped fields are invalid_field naming the field") {
  Json offer = valid_offer();
  offer["size"] = "1000";
  require_refused(offer, "invalid_field", "offer.size");
  offer = valid_offer();
  offer["id"] = -1;
  require_refused(offer, "invalid_field", "offer.id");
  offer = valid_offer();
  offer["id"] = 1.5;
  require_refused(offer, "invalid_field", "offer.id");
  offer = valid_offer();
  offer["id"] = 4294967296ull;  // one past u32
  require_refused(offer, "invalid_field", "offer.id");
  Json hello = valid_hello();
  hello["applied_patches"][1]["enabled"] = "yes";
  require_refused(hello, "invalid_field", "hello.applied_patches[1].enabled");
  hello = valid_hello();
  hello["role"] = "admin";
  require_refused(hello, "invalid_field", "hello.role");
  hello = valid_hello();
  hello["environment"] = Json{{"kind", "container"}, {"technology", "Open VZ"}};
  require_refused(hello, "invalid_field", "hello.environment.technology");
  require_refused(Json{{"type", 5}}, "invalid_field", "message.type");
  require_refused(Json{{"type", "result"},
                       {"re", 1u},
                       {"ok", true},
                       {"code", "ok"},
                       {"message", ""},
                       {"state", Json::array()}},
                  "invalid_field", "result.state");
}

TEST_CASE("oversized fields are refused") {
  Json hello = valid_hello();
  hello["agent_version"] = std::string(kMaxAgentVersionLength + 1, 'v');
  require_refused(hello, "invalid_field", "hello.agent_version");
  hello = valid_hello();
  hello["capabilities"] = std::vector<std::string>(kMaxCapabilities + 1, "cap");
  require_refused(hello, "invalid_field", "hello.capabilities");
  hello = valid_hello();
  hello["applied_patches"][0]["module"] = std::string(kMaxModuleNameLength + 1, 'm');
  require_refused(hello, "invalid_field", "hello.applied_patches[0].module");
  Json offer = valid_offer();
  offer["size"] = kMaxBundleBytes + 1;
  require_refused(offer, "invalid_field", "offer.size");
  offer["size"] = 0u;
  require_refused(offer, "invalid_field", "offer.size");
  require_refused(
      Json{{"type", "error"}, {"code", "x"}, {"message", std::string(kMaxTextLength + 1, 'm')}},
      "invalid_field", "error.message");
  require_refused(Json{{"type", "error"}, {"code", "x"}, {"message", "line\x1b[2J"}},
                  "invalid_field", "error.message");
}

TEST_CASE("a chunk needs a body of bounded size and other messages have none") {
  Json chunk{{"type", "chunk"}, {"id", 1u}, {"sha256", sample_sha256()}, {"offset", 0u}};
  auto empty = parse_json_message(chunk);
  REQUIRE_FALSE(empty);
  CHECK(empty.error().message().find("chunk.body") != std::string::npos);
  auto too_big = parse_json_message(chunk, std::string(kMaxChunkBytes + 1, 'c'));
  REQUIRE_FALSE(too_big);
  CHECK(too_big.error().code() == "invalid_field");
  auto apply = parse_json_message(Json{{"type", "apply"}, {"id", 1u}, {"bundle_id", "b"}}, "x");
  REQUIRE_FALSE(apply);
  CHECK(apply.error().code() == "unexpected_body");
}

TEST_CASE("an unknown type is unknown_message") {
  auto message = parse_json_message(Json{{"type", "exec"}, {"id", 1u}, {"command", "rm -rf /"}});
  REQUIRE_FALSE(message);
  CHECK(message.error().code() == "unknown_message");
  CHECK(message.error().message().find("exec") != std::string::npos);
}

TEST_CASE("a digest must be exactly 64 lower-case hex digits") {
  for (std::string bad : {std::string(64, 'A'), std::string(63, 'a'), std::string(65, 'a'),
                          std::string(63, 'a') + "g", std::string(""), std::string(62, 'a') + "/.",
                          std::string(32, 'a') + std::string(32, ' ')}) {
    Json offer = valid_offer();
    offer["sha256"] = bad;
    require_refused(offer, "invalid_field", "offer.sha256");
    Json chunk{{"type", "chunk"}, {"id", 1u}, {"sha256", bad}, {"offset", 0u}};
    auto parsed = parse_json_message(chunk, "data");
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().message().find("chunk.sha256") != std::string::npos);
  }
}

TEST_CASE("ids that could escape a directory are refused") {
  for (const std::string& bad :
       std::vector<std::string>{"../etc/passwd", "..", ".", ".hidden", "a/b", "a\\b", "", "/abs",
                                "fix 1", "fix\n1", std::string(65, 'x'), std::string("a\0b", 3)}) {
    INFO(bad);
    CHECK_FALSE(is_valid_id(bad));
    require_refused(Json{{"type", "apply"}, {"id", 1u}, {"bundle_id", bad}}, "invalid_field",
                    "apply.bundle_id");
    Json offer = valid_offer();
    offer["bundle_id"] = bad;
    require_refused(offer, "invalid_field", "offer.bundle_id");
  }
  for (const std::string& good :
       std::vector<std::string>{"fix-2024.1_a", "CVE-2024-1086", std::string(64, 'x'), "a..b"}) {
    CHECK(is_valid_id(good));
  }
}

TEST_CASE("a hello of a newer protocol version is unsupported_version") {
  Json hello = valid_hello();
  hello["protocol_version"] = kProtocolVersion + 1;
  hello.erase("kernel");  // a newer peer may have changed other fields too
  require_refused(hello, "unsupported_version", "hello.protocol_version");
  hello = valid_hello();
  hello["protocol_version"] = 0;
  require_refused(hello, "invalid_field", "hello.protocol_version");
}

TEST_CASE("hello and heartbeat need exactly one of id and re") {
  Json heartbeat{{"type", "heartbeat"}, {"seq", 1u}};
  require_refused(heartbeat, "missing_field", "heartbeat");
  heartbeat["id"] = 1u;
  heartbeat["re"] = 1u;
  require_refused(heartbeat, "invalid_field", "heartbeat");
}

TEST_CASE("fields a later version adds are ignored") {
  Json offer = valid_offer();
  offer["compression"] = "zstd";
  CHECK(parse_json_message(offer));
}

TEST_CASE("outgoing text is sent unchanged when valid and made acceptable otherwise") {
  Result accented{1, false, "apply_failed", "échec: \u00e9t\u00e9 refus\u00e9", std::nullopt};
  CHECK(to_json(accented)["message"] == accented.message);
  Result hostile{1, false, "apply_failed", "kernel said \x1b[31m\xff" + std::string(2000, 'x'),
                 std::nullopt};
  Json json = to_json(hostile);
  CHECK(json["message"].get<std::string>().rfind("kernel said ?[31m?x", 0) == 0);
  CHECK(json["message"].get<std::string>().size() == kMaxTextLength);
  CHECK(parse_json_message(json));

  CHECK(is_valid_utf8("plain \xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  for (std::string bad :
       {"\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc3", "\xff", "\x80"}) {
    CHECK_FALSE(is_valid_utf8(bad));
  }
}

TEST_CASE("an error reply names the refused request and carries safe text") {
  Json request = valid_offer();
  request["sha256"] = "nope";
  auto refused = parse_json_message(request);
  REQUIRE_FALSE(refused);
  ErrorMessage reply = ErrorMessage::answering(refused.error(), find_request_id(request));
  CHECK(reply.re == 4u);
  CHECK(reply.code == "invalid_field");

  ErrorMessage from_garbage = ErrorMessage::answering(
      Error(hotsplice::errc::kInvalidJson, "bad byte \x01\xff here"), std::nullopt);
  CHECK_FALSE(from_garbage.re);
  CHECK(from_garbage.message == "bad byte ?? here");
  auto reparsed = parse_json_message(from_garbage.to_json());
  REQUIRE(reparsed);
  CHECK(std::get<ErrorMessage>(*reparsed) == from_garbage);

  CHECK_FALSE(find_request_id(Json{{"id", -3}}));
  CHECK_FALSE(find_request_id(Json{{"id", 4294967296ull}}));
  CHECK(find_request_id(Json{{"id", 4294967295ull}}) == 4294967295u);
}

}  // namespace
}  // namespace hotsplice::protocol
