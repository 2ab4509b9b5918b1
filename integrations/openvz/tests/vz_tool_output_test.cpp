// vzlist -a -j and prlctl list -a -j output, recorded from the documented formats
// (tests/fixtures/openvz/README.md), with missing fields, nulls, VMs mixed in, hostile
// text and entries without ids.
#include <catch2/catch.hpp>

#include "integrations/openvz/error_codes.h"
#include "integrations/openvz/tests/fixture_reading.h"
#include "integrations/openvz/vz_tool_output.h"

using namespace hotsplice::openvz;
using namespace hotsplice::openvz::testing;

TEST_CASE("recorded vzlist -a -j: numeric and UUID CTIDs, missing fields tolerated") {
  auto list = parse_vzlist_json(fixture_text("openvz/vzlist-a-j.json"));
  REQUIRE(list);
  REQUIRE(list->containers.size() == 4);
  const Container* web = find_container(*list, "101");
  REQUIRE(web);
  CHECK(web->name == "web");
  CHECK(web->hostname == "ct101.example.com");
  CHECK(web->status == "running");
  CHECK(web->source == "vzlist");
  const Container* stopped = find_container(*list, "102");
  REQUIRE(stopped);
  CHECK(stopped->name == "102");  // null name: the CTID stands in
  CHECK(stopped->hostname.empty());
  CHECK(stopped->status == "stopped");
  const Container* uuid = find_container(*list, "c3f5a6a0-2b1e-4c3d-9a7f-0123456789ab");
  REQUIRE(uuid);
  CHECK(uuid->status == "unknown");  // no status field
  const Container* hostile = find_container(*list, "104");
  REQUIRE(hostile);
  CHECK(hostile->hostname.empty());  // terminal escape in the hostname: dropped
  CHECK(hostile->status == "running");
  CHECK(has_warning(*list, "vzlist entry 4.hostname: not printable text"));
  CHECK(has_warning(*list, "vzlist entry 3: no CTID or UUID"));
  CHECK(has_warning(*list, "vzlist entry 5: no CTID or UUID"));  // "../../etc"
  CHECK(has_warning(*list, "vzlist entry 6: not an object"));
  CHECK(list->warnings.size() == 4);
}

TEST_CASE("recorded prlctl list -a -j: containers only, braces removed") {
  auto list = parse_prlctl_json(fixture_text("openvz/prlctl-list-a-j.json"));
  REQUIRE(list);
  REQUIRE(list->containers.size() == 3);
  CHECK_FALSE(find_container(*list, "0e9d8c7b-6a5f-4e3d-2c1b-0a9f8e7d6c5b"));  // the VM
  const Container* mail = find_container(*list, "c3f5a6a0-2b1e-4c3d-9a7f-0123456789ab");
  REQUIRE(mail);
  CHECK(mail->name == "mail");
  CHECK(mail->hostname == "ct103.example.com");
  CHECK(mail->source == "prlctl");
  const Container* no_type = find_container(*list, "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d");
  REQUIRE(no_type);  // without "type", prlctl was asked for containers only
  CHECK(no_type->status == "suspended");
  CHECK(no_type->hostname.empty());
  CHECK(has_warning(*list, "prlctl entry 4: no UUID"));
  CHECK(has_warning(*list, "prlctl entry 5: no UUID"));
}

TEST_CASE("vz tool output that is not a JSON array is an error naming the tool") {
  for (const char* text : {"", "{\"ctid\": 101}", "[{\"ctid\": 101,", "vzlist: command failed"}) {
    auto list = parse_vzlist_json(text);
    REQUIRE_FALSE(list);
    CHECK(list.error().code() == errc::kContainerListMalformed);
    CHECK(list.error().message().find("vzlist -a -j output") != std::string::npos);
  }
  auto duplicated = parse_prlctl_json("[{\"uuid\": \"a\", \"uuid\": \"b\"}]");
  REQUIRE_FALSE(duplicated);
  CHECK(duplicated.error().code() == errc::kContainerListMalformed);
}
