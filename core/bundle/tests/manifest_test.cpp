#include <catch2/catch.hpp>

#include "core/base/json_reader.h"
#include "core/bundle/manifest.h"
#include "core/bundle/tests/sample_bundle.h"

using hotsplice::Json;
using hotsplice::parse_manifest;
using hotsplice::testing::sample_manifest;

namespace {

Json sample_json() {
  return Json::parse(*hotsplice::serialize_manifest(sample_manifest()));
}

// Parses the sample manifest after an edit and returns the error it must produce.
hotsplice::Error error_after(const std::function<void(Json&)>& edit) {
  Json json = sample_json();
  edit(json);
  auto parsed = parse_manifest(json.dump());
  REQUIRE_FALSE(parsed);
  return parsed.error();
}

}  // namespace

TEST_CASE("a manifest survives serialisation unchanged") {
  auto text = hotsplice::serialize_manifest(sample_manifest());
  REQUIRE(text);
  auto parsed = parse_manifest(*text);
  REQUIRE(parsed);
  CHECK(*parsed == sample_manifest());
  CHECK(hotsplice::module_file_name(*parsed) == "hotsplice_0001.ko");
}

TEST_CASE("serialize_manifest refuses what parse_manifest would refuse") {
  auto manifest = sample_manifest();
  manifest.id = "../escape";
  auto text = hotsplice::serialize_manifest(manifest);
  REQUIRE_FALSE(text);
  CHECK(text.error().code() == "unsafe_name");
}

TEST_CASE("manifest: truncated or non-JSON input") {
  auto text = *hotsplice::serialize_manifest(sample_manifest());
  auto truncated = parse_manifest(std::string_view(text).substr(0, text.size() / 2));
  REQUIRE_FALSE(truncated);
  CHECK(truncated.error().code() == "invalid_json");
  CHECK(parse_manifest("").error().code() == "invalid_json");
  CHECK(parse_manifest("[1,2]").error().code() == "invalid_field");
}

TEST_CASE("manifest: unknown schema version") {
  auto error = error_after([](Json& json) { json["schema"] = 2; });
  CHECK(error.code() == "unsupported_schema");
  CHECK_THAT(error.message(), Catch::Contains("version 2"));
}

TEST_CASE("manifest: each missing field is named") {
  for (const char* field :
       {"id", "description", "cves", "target", "replaces", "module", "created", "schema"}) {
    auto error = error_after([&](Json& json) { json.erase(field); });
    CHECK(error.code() == "missing_field");
    CHECK(error.message() == std::string("manifest.") + field + ": missing");
  }
  auto nested = error_after([](Json& json) { json["target"].erase("build_id"); });
  CHECK(nested.message() == "manifest.target.build_id: missing");
}

TEST_CASE("manifest: mistyped fields") {
  CHECK(error_after([](Json& json) { json["id"] = 7; }).message() ==
        "manifest.id: expected a string, found number");
  CHECK(error_after([](Json& json) { json["cves"] = "CVE-2024-1086"; }).message() ==
        "manifest.cves: expected an array, found string");
  CHECK(error_after([](Json& json) { json["module"]["size"] = -5; }).message() ==
        "manifest.module.size: expected a non-negative integer, found another number");
  CHECK(error_after([](Json& json) { json["module"]["size"] = "4096"; }).code() == "invalid_field");
  CHECK(error_after([](Json& json) { json["replaces"][0] = "vmlinux"; }).message() ==
        "manifest.replaces[0]: expected an object, found string");
}

TEST_CASE("manifest: values with the wrong form") {
  CHECK_THAT(error_after([](Json& json) { json["cves"][0] = "CVE-24-1"; }).message(),
             Catch::Contains("\"CVE-24-1\" is not a CVE id"));
  CHECK_THAT(error_after([](Json& json) { json["target"]["build_id"] = "XYZ"; }).message(),
             Catch::Contains("manifest.target.build_id"));
  CHECK_THAT(error_after([](Json& json) { json["module"]["sha256"] = "abc"; }).message(),
             Catch::Contains("manifest.module.sha256: expected 64 lower-case hex digits"));
  CHECK_THAT(error_after([](Json& json) { json["created"] = "yesterday"; }).message(),
             Catch::Contains("manifest.created"));
  CHECK_THAT(error_after([](Json& json) { json["replaces"] = Json::array(); }).message(),
             Catch::Contains("at least one object"));
  CHECK_THAT(error_after([](Json& json) {
               json["replaces"][0]["functions"].push_back("cmdline_proc_show");
             }).message(),
             Catch::Contains("listed twice"));
  CHECK_THAT(error_after([](Json& json) { json["replaces"][1]["object"] = "vmlinux"; }).message(),
             Catch::Contains("appears more than once"));
  CHECK_THAT(
      error_after([](Json& json) { json["replaces"][0]["functions"][0] = "rm -rf"; }).message(),
      Catch::Contains("is not a symbol name"));
  CHECK(error_after([](Json& json) { json["module"]["size"] = 0; }).code() == "invalid_field");
}

TEST_CASE("manifest: oversized values") {
  CHECK_THAT(
      error_after([](Json& json) { json["description"] = std::string(5000, 'x'); }).message(),
      Catch::Contains("manifest.description: longer than 4096 bytes"));
  CHECK(error_after([](Json& json) { json["module"]["size"] = 1ull << 40; }).code() ==
        "invalid_field");
  CHECK_THAT(error_after([](Json& json) {
               json["cves"] = Json::array();
               for (int i = 0; i < 300; ++i) json["cves"].push_back("CVE-2024-1086");
             }).message(),
             Catch::Contains("more than 256 items"));
  auto huge = parse_manifest(std::string((1 << 20) + 1, ' '));
  REQUIRE_FALSE(huge);
  CHECK_THAT(huge.error().message(), Catch::Contains("larger than"));
}

TEST_CASE("manifest: names that could escape a directory") {
  auto id = error_after([](Json& json) { json["id"] = "../../etc/cron.d/x"; });
  CHECK(id.code() == "unsafe_name");
  CHECK(error_after([](Json& json) { json["id"] = ".hidden"; }).code() == "unsafe_name");
  auto module = error_after([](Json& json) { json["module"]["name"] = "../../lib/evil"; });
  CHECK(module.code() == "unsafe_name");
  CHECK_THAT(module.message(), Catch::Contains("manifest.module.name"));
  CHECK(error_after([](Json& json) { json["module"]["name"] = "with-dash"; }).code() ==
        "invalid_field");
  CHECK(error_after([](Json& json) { json["description"] = "bell\a"; }).code() == "invalid_field");
}

TEST_CASE("manifest: unknown fields are refused") {
  auto error = error_after([](Json& json) { json["force"] = true; });
  CHECK(error.code() == "unknown_field");
  CHECK(error.message() == "manifest.force: unknown field");
  CHECK(error_after([](Json& json) { json["module"]["path"] = "/tmp/x.ko"; }).code() ==
        "unknown_field");
}

TEST_CASE("manifest rules") {
  CHECK(hotsplice::is_valid_cve("CVE-2024-1086"));
  CHECK(hotsplice::is_valid_cve("CVE-2021-4440123"));
  CHECK_FALSE(hotsplice::is_valid_cve("CVE-2024-108"));
  CHECK_FALSE(hotsplice::is_valid_cve("cve-2024-1086"));
  CHECK(hotsplice::is_valid_utc_timestamp("2026-02-28T23:59:60Z"));
  CHECK_FALSE(hotsplice::is_valid_utc_timestamp("2026-13-01T00:00:00Z"));
  CHECK(hotsplice::format_utc_timestamp(0) == "1970-01-01T00:00:00Z");
  CHECK(hotsplice::parse_utc_timestamp("1970-01-01T00:00:00Z") == 0);
  CHECK(hotsplice::parse_utc_timestamp("2026-11-30T05:00:00Z") == 1796014800);
  CHECK(hotsplice::parse_utc_timestamp("2026-02-28T23:59:60Z") == 1772323200);
  CHECK_FALSE(hotsplice::parse_utc_timestamp("2026-02-30T00:00:00Z"));
  CHECK_FALSE(hotsplice::parse_utc_timestamp("2026-11-30 05:00:00"));
  CHECK(hotsplice::is_valid_symbol_name("foo.isra.0"));
  CHECK_FALSE(hotsplice::is_valid_symbol_name(".LC0"));
  CHECK_FALSE(hotsplice::is_valid_symbol_name("0day"));
}
