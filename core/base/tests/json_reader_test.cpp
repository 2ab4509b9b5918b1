#include <catch2/catch.hpp>

#include "core/base/json_reader.h"

using hotsplice::JsonObject;
using hotsplice::parse_json;

TEST_CASE("parse_json rejects syntax errors, trailing bytes and deep nesting") {
  auto broken = parse_json("{\"a\": ", "manifest");
  REQUIRE_FALSE(broken);
  CHECK(broken.error().code() == "invalid_json");
  CHECK_THAT(broken.error().message(), Catch::StartsWith("manifest: "));
  CHECK_FALSE(parse_json("{} {}", "x"));
  auto deep = parse_json(std::string(100000, '[') + std::string(100000, ']'), "frame");
  REQUIRE_FALSE(deep);
  CHECK_THAT(deep.error().message(), Catch::Contains("nested deeper than 16"));
  // Brackets inside strings do not count as nesting.
  CHECK(parse_json("{\"a\": \"[[[[[[[[[[[[[[[[[[[[[[[[[[\"}", "x"));
}

TEST_CASE("parse_json refuses a key that appears twice in one object") {
  auto twice = parse_json(R"({"a": {"b": 1, "c": [{"b": 2}], "b": 3}})", "index");
  REQUIRE_FALSE(twice);
  CHECK(twice.error().code() == "invalid_json");
  CHECK(twice.error().message() == "index: key \"b\" appears twice in one object");
  // The same key in different objects is fine.
  CHECK(parse_json(R"({"b": 1, "c": {"b": 2}, "d": [{"b": 3}, {"b": 4}]})", "x"));
}

TEST_CASE("JsonObject names the path of a missing or mistyped field") {
  auto json = parse_json(R"({"target": {"release": 5, "size": -1, "ok": "yes"}})", "m");
  REQUIRE(json);
  auto root = JsonObject::from(*json, "manifest");
  REQUIRE(root);
  auto target = root->object("target");
  REQUIRE(target);
  auto release = target->string("release", 64);
  REQUIRE_FALSE(release);
  CHECK(release.error().code() == "invalid_field");
  CHECK(release.error().message() == "manifest.target.release: expected a string, found number");
  auto version = target->string("version", 64);
  REQUIRE_FALSE(version);
  CHECK(version.error().code() == "missing_field");
  CHECK(version.error().message() == "manifest.target.version: missing");
  CHECK_FALSE(target->unsigned_integer("size"));
  CHECK_FALSE(target->boolean("ok"));
}

TEST_CASE("JsonObject enforces length and count bounds") {
  auto json = parse_json(R"({"name": "abcdef", "list": ["a", "b", "c"], "mixed": ["a", 1]})", "m");
  REQUIRE(json);
  auto root = JsonObject::from(*json, "m");
  REQUIRE(root);
  CHECK(root->string("name", 6));
  CHECK_FALSE(root->string("name", 5));
  CHECK(root->string_array("list", 3, 1));
  CHECK_FALSE(root->string_array("list", 2, 1));
  auto mixed = root->string_array("mixed", 10, 10);
  REQUIRE_FALSE(mixed);
  CHECK(mixed.error().message() == "m.mixed[1]: expected a string, found number");
}

TEST_CASE("JsonObject::only_fields names the first unknown key") {
  auto json = parse_json(R"({"id": "a", "extra": 1})", "m");
  REQUIRE(json);
  auto root = JsonObject::from(*json, "manifest");
  REQUIRE(root);
  CHECK(root->only_fields({"id", "extra"}));
  auto status = root->only_fields({"id"});
  REQUIRE_FALSE(status);
  CHECK(status.error().code() == "unknown_field");
  CHECK(status.error().message() == "manifest.extra: unknown field");
}

TEST_CASE("JsonObject accepts a non-negative integer however it was built") {
  hotsplice::Json built{{"id", 4}, {"negative", -4}};
  auto root = JsonObject::from(built, "m");
  REQUIRE(root);
  CHECK(root->unsigned_integer("id").value() == 4);
  CHECK_FALSE(root->unsigned_integer("negative"));
}
