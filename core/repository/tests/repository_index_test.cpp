// The signed index: strict parsing, the signature over its exact bytes, and the client's
// freshness rules (replay, expiry, future date).
#include <catch2/catch.hpp>

#include "core/base/file_io.h"
#include "core/repository/error_codes.h"
#include "core/repository/repository_index.h"
#include "core/repository/tests/repository_fixture.h"

namespace repo = hotsplice::repository;
namespace errc = hotsplice::repository::errc;
using hotsplice::Error;
using repo::testing::kTestNow;
using repo::testing::Publisher;

namespace {

std::string entry_json(const std::string& id, const std::string& extra = "") {
  return R"({"id": ")" + id + R"(", "file": ")" + id +
         R"(.hsb", "sha256": "0000000000000000000000000000000000000000000000000000000000000000",
             "size": 1000, "cves": ["CVE-2024-1086"],
             "target": {"release": "6.1.0-56-amd64", "version": "#1 SMP", "build_id": "abcd"})" +
         extra + "}";
}

std::string index_json(const std::string& bundles, const std::string& version = "3",
                       const std::string& extra = "") {
  return R"({"schema": 1, "version": )" + version +
         R"(, "generated": "2026-11-30T04:00:00Z", "expires": "2026-12-30T04:00:00Z",
             "bundles": [)" +
         bundles + "]" + extra + "}";
}

Error parse_error(const std::string& text) {
  auto parsed = repo::parse_index(text);
  REQUIRE_FALSE(parsed);
  return parsed.error();
}

}  // namespace

TEST_CASE("parse_index reads a well-formed index") {
  auto index = repo::parse_index(index_json(entry_json("hs-a") + "," + entry_json("hs-b")));
  INFO((index ? "" : index.error().message()));
  REQUIRE(index);
  CHECK(index->version == 3);
  CHECK(repo::format_time(index->generated) == "2026-11-30T04:00:00Z");
  CHECK(repo::format_time(index->expires) == "2026-12-30T04:00:00Z");
  REQUIRE(index->bundles.size() == 2);
  CHECK(index->bundles[1].id == "hs-b");
  CHECK(index->bundles[1].file == "hs-b.hsb");
  CHECK(index->bundles[1].size == 1000);
  CHECK(index->bundles[1].target.build_id == "abcd");
  CHECK(index->bundles[1].cves == std::vector<std::string>{"CVE-2024-1086"});
  // Writing and reading back gives the same index.
  auto text = repo::serialize_index(*index);
  REQUIRE(text);
  auto reread = repo::parse_index(*text);
  REQUIRE(reread);
  CHECK(*reread == *index);
}

TEST_CASE("parse_index refuses malformed indexes, naming the field") {
  struct Case {
    std::string text;
    std::string message;
  };
  const std::string e = entry_json("hs-a");
  const Case cases[] = {
      {"", "index: "},
      {"[]", "index: expected an object, found array"},
      {index_json(e) + "x", "index: "},
      {index_json(e, "0"), "index.version: must be at least 1"},
      {index_json(e, "-1"), "index.version: expected a non-negative integer"},
      {index_json(e, "\"3\""), "index.version: expected a non-negative integer, found string"},
      {index_json(e, "3", R"(, "extra": 1)"), "index.extra: unknown field"},
      {index_json(entry_json("hs-a", R"(, "url": "x")")), "index.bundles[0].url: unknown field"},
      {index_json(e + "," + e), "index.bundles[1].id: \"hs-a\" listed twice"},
      {index_json(entry_json("../etc")), "index.bundles[0].id: expected a bundle id"},
      {index_json(entry_json("hs-a").replace(entry_json("hs-a").find("hs-a.hsb"), 8, "../a.hsb")),
       "index.bundles[0].file: expected a plain file name ending in .hsb"},
      {index_json(entry_json("hs-a").replace(entry_json("hs-a").find("0000"), 4, "ZZZZ")),
       "index.bundles[0].sha256: expected 64 lower-case hex digits"},
      {index_json(entry_json("hs-a").replace(entry_json("hs-a").find("1000"), 4, "10")),
       "index.bundles[0].size: smaller than a bundle header"},
      {index_json(
           entry_json("hs-a").replace(entry_json("hs-a").find("CVE-2024-1086"), 13, "CVE-24-1")),
       "index.bundles[0].cves: \"CVE-24-1\" is not a CVE id"},
      {index_json(entry_json("hs-a").replace(entry_json("hs-a").find("abcd"), 4, "xyz")),
       "index.bundles[0].target.build_id: expected an even number"},
      {R"({"schema": 1, "version": 1, "generated": "2026-11-30T04:00:00Z",
           "expires": "2026-11-30T04:00:00Z", "bundles": []})",
       "index.expires: not after \"generated\""},
      {R"({"schema": 1, "version": 1, "generated": "2026-02-30T04:00:00Z",
           "expires": "2026-12-30T04:00:00Z", "bundles": []})",
       "index.generated: \"2026-02-30T04:00:00Z\" is not a day of the calendar"},
      {R"({"schema": 1, "version": 1, "generated": "yesterday",
           "expires": "2026-12-30T04:00:00Z", "bundles": []})",
       "index.generated: expected a UTC time"},
      {R"({"schema": 1, "version": 1, "expires": "2026-12-30T04:00:00Z", "bundles": []})",
       "index.generated: missing"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    Error error = parse_error(c.text);
    CHECK(error.code() == errc::kIndexMalformed);
    CHECK_THAT(error.message(), Catch::StartsWith(c.message));
  }
}

TEST_CASE("parse_index refuses duplicate keys, another schema and oversized input") {
  Error twice =
      parse_error(R"({"schema": 1, "version": 5, "version": 9, "generated": "2026-11-30T04:00:00Z",
      "expires": "2026-12-30T04:00:00Z", "bundles": []})");
  CHECK(twice.code() == errc::kIndexMalformed);
  CHECK(twice.message() == "index: key \"version\" given twice");
  Error nested_twice = parse_error(index_json(entry_json("hs-a", R"(, "id": "hs-b")")));
  CHECK(nested_twice.message() == "index: key \"id\" given twice");

  Error schema = parse_error(R"({"schema": 2})");
  CHECK(schema.code() == errc::kIndexUnsupportedSchema);
  CHECK_THAT(schema.message(), Catch::Contains("version 2 is not supported"));

  Error huge = parse_error(std::string(repo::kMaxIndexBytes + 1, ' '));
  CHECK(huge.code() == errc::kIndexMalformed);
  CHECK_THAT(huge.message(), Catch::Contains("larger than the limit"));
  Error deep = parse_error(std::string(1000, '[') + std::string(1000, ']'));
  CHECK_THAT(deep.message(), Catch::Contains("nested deeper than"));

  std::string many;
  for (std::size_t i = 0; i <= repo::kMaxIndexEntries; ++i) {
    if (i) many += ',';  // not `"," + std::string`: GCC 12 -O3 -Wrestrict (bug 105329)
    many += entry_json("hs-" + std::to_string(i));
  }
  Error too_many = parse_error(index_json(many));
  CHECK(too_many.message() == "index.bundles: more than 4096 items");
}

TEST_CASE("verify_index checks the signature over the exact bytes") {
  Publisher publisher;
  publisher.add("hs-a", repo::testing::newest_kernel());
  publisher.publish();
  auto bytes = hotsplice::read_file(publisher.repo() / "index.json", repo::kMaxIndexBytes);
  auto signature = hotsplice::read_file(publisher.repo() / "index.sig", 4096);
  REQUIRE(bytes);
  REQUIRE(signature);

  auto good = repo::verify_index(*bytes, *signature, publisher.trusted_keys());
  INFO((good ? "" : good.error().message()));
  REQUIRE(good);
  CHECK(good->key_id == publisher.key().public_key().key_id());
  CHECK(good->index.version == 1);

  SECTION("one changed byte, even whitespace, breaks the signature") {
    std::string altered = *bytes;
    altered.insert(altered.size() - 1, " ");
    auto refused = repo::verify_index(altered, *signature, publisher.trusted_keys());
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code() == errc::kIndexBadSignature);
    CHECK_THAT(refused.error().message(), Catch::Contains("does not match index.json"));
  }
  SECTION("a key nobody trusts") {
    Publisher stranger;
    auto refused = repo::verify_index(*bytes, *signature, stranger.trusted_keys());
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code() == errc::kIndexUnknownKey);
    CHECK_THAT(refused.error().message(),
               Catch::Contains("signed by key " + publisher.key().public_key().key_id()));
  }
  SECTION("another key's valid signature") {
    Publisher other;
    auto other_signature = repo::sign_index(*bytes, other.key());
    REQUIRE(other_signature);
    hotsplice::TrustedKeys both = publisher.trusted_keys();
    both.add(other.key().public_key());
    // Signed by a trusted key: fine. The signature names its key, so it cannot be swapped.
    CHECK(repo::verify_index(*bytes, *other_signature, both));
    CHECK(repo::verify_index(*bytes, *other_signature, publisher.trusted_keys()).error().code() ==
          errc::kIndexUnknownKey);
  }
  SECTION("a missing or malformed signature document") {
    auto empty = repo::verify_index(*bytes, "", publisher.trusted_keys());
    REQUIRE_FALSE(empty);
    CHECK(empty.error().code() == errc::kIndexSignatureMalformed);
    CHECK_THAT(empty.error().message(), Catch::StartsWith("index.sig: "));
    auto garbage = repo::verify_index(*bytes, "{\"algorithm\": \"rsa\"}", publisher.trusted_keys());
    REQUIRE_FALSE(garbage);
    CHECK(garbage.error().code() == errc::kIndexSignatureMalformed);
    auto huge = repo::verify_index(*bytes, std::string(5000, ' '), publisher.trusted_keys());
    CHECK(huge.error().code() == errc::kIndexSignatureMalformed);
  }
  SECTION("a correctly signed but malformed index is still refused") {
    std::string malformed = R"({"schema": 1, "version": 2, "version": 3})";
    auto signed_malformed = repo::sign_index(malformed, publisher.key());
    REQUIRE(signed_malformed);
    auto refused = repo::verify_index(malformed, *signed_malformed, publisher.trusted_keys());
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code() == errc::kIndexMalformed);
  }
}

TEST_CASE("check_index_freshness refuses replayed, expired and future-dated indexes") {
  repo::RepositoryIndex index;
  index.version = 7;
  index.generated = kTestNow - std::chrono::hours(1);
  index.expires = kTestNow + std::chrono::days(30);
  CHECK(repo::check_index_freshness(index, 0, kTestNow));
  CHECK(repo::check_index_freshness(index, 7, kTestNow));

  auto replayed = repo::check_index_freshness(index, 8, kTestNow);
  REQUIRE_FALSE(replayed);
  CHECK(replayed.error().code() == errc::kIndexReplayed);
  CHECK(replayed.error().message() ==
        "the repository serves index version 7, older than version 8 accepted before: a mirror "
        "is replaying an old index");

  index.expires = kTestNow;
  auto expired = repo::check_index_freshness(index, 0, kTestNow);
  REQUIRE_FALSE(expired);
  CHECK(expired.error().code() == errc::kIndexExpired);
  CHECK(expired.error().message() ==
        "index version 7 expired at 2026-11-30T05:00:00Z (now 2026-11-30T05:00:00Z): the "
        "repository or its mirror is not being updated");
  index.expires = kTestNow + std::chrono::seconds(1);
  CHECK(repo::check_index_freshness(index, 0, kTestNow));

  index.generated = kTestNow + repo::kAllowedClockSkew;
  CHECK(repo::check_index_freshness(index, 0, kTestNow));
  index.generated = kTestNow + repo::kAllowedClockSkew + std::chrono::seconds(1);
  index.expires = index.generated + std::chrono::days(1);
  auto future = repo::check_index_freshness(index, 0, kTestNow);
  REQUIRE_FALSE(future);
  CHECK(future.error().code() == errc::kIndexFromFuture);
  CHECK(future.error().message() ==
        "index version 7 was generated at 2026-11-30T05:05:01Z, after now "
        "(2026-11-30T05:00:00Z) by more than 300 s: check this machine's clock and the "
        "publisher's");
}
