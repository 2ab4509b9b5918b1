// The coverage model: status, why_not, CVEs and the effective kernel from a kernel's facts.
#include <catch2/catch.hpp>

#include "hostagent/coverage.h"

using namespace hotsplice;
using namespace hotsplice::hostd;

namespace {

const KernelIdentity kKernel{"6.1.0-56-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2", "aa11"};

CoverageFacts reported(std::vector<std::string> live = {}) {
  CoverageFacts facts;
  facts.id = "uuid-web1";
  facts.name = "web1";
  facts.reported = true;
  facts.kernel = kKernel;
  facts.live = std::move(live);
  facts.agent_version = "0.1.0";
  facts.for_kernel = {CatalogBundle{"hs-1", kKernel, {"CVE-2026-0001", "CVE-2026-0002"}, 0, ""},
                      CatalogBundle{"hs-2", kKernel, {"CVE-2026-0002", "CVE-2026-0003"}, 1, ""}};
  return facts;
}

GuestBundleRow row(const std::string& bundle, BundleEvent state, const std::string& code = "",
                   const std::string& message = "") {
  return GuestBundleRow{"uuid-web1", bundle, state, 100, code, message, 0};
}

}  // namespace

TEST_CASE("a kernel that has not reported is never patched") {
  CoverageFacts facts;
  facts.running = false;
  CHECK(build_coverage(facts).status == GuestStatus::unknown);
  facts.running = true;
  facts.has_channel = false;
  CHECK(build_coverage(facts).status == GuestStatus::no_channel);
  facts.has_channel = true;
  CHECK(build_coverage(facts).status == GuestStatus::unknown);
  facts.silent = true;
  facts.problem = "channel_timeout: no sync_ack in 30 s";
  auto record = build_coverage(facts);
  CHECK(record.status == GuestStatus::agent_silent);
  CHECK(record.reason == facts.problem);
  CHECK(record.cves_fixed.empty());
  CHECK(record.effective_kernel.empty());
  CHECK_FALSE(record.cves_known);
  CHECK(to_json(record)["agent_version"].is_null());  // no hello: absent, not ""
}

TEST_CASE("all bundles live: patched, CVEs fixed from the manifests, effective kernel") {
  auto record = build_coverage(reported({"hs-1", "hs-2"}));
  CHECK(record.status == GuestStatus::patched);
  CHECK(record.effective_kernel == "6.1.0-56-amd64+hotsplice.hs-2");
  CHECK(record.cves_fixed ==
        std::vector<std::string>{"CVE-2026-0001", "CVE-2026-0002", "CVE-2026-0003"});
  CHECK(record.cves_open.empty());
  REQUIRE(record.applied.size() == 2);
  CHECK(record.applied[1].cves == std::vector<std::string>{"CVE-2026-0002", "CVE-2026-0003"});
}

TEST_CASE("no bundle for the kernel: unsupported_kernel, the release as effective kernel") {
  auto facts = reported();
  facts.for_kernel.clear();
  auto record = build_coverage(facts);
  CHECK(record.status == GuestStatus::unsupported_kernel);
  CHECK(record.effective_kernel == "6.1.0-56-amd64");
  // No manifest lists its CVEs: unknown (null in JSON), never "0 open".
  CHECK_FALSE(record.cves_known);
  Json json = to_json(record);
  CHECK(json["cves_open"].is_null());
  CHECK(json["cves_fixed"].is_null());
  CHECK(json["agent_version"] == "0.1.0");
  auto patched = build_coverage(reported({"hs-1", "hs-2"}));
  CHECK(patched.cves_known);
  CHECK(to_json(patched)["cves_open"] == Json::array());
  auto summary = summarize({record, patched});
  CHECK(summary.cves_unknown == 1);
  CHECK(to_json(summary)["cves_unknown"] == 1);
}

TEST_CASE("pending bundles say why not, and their CVEs are open") {
  auto facts = reported({"hs-1"});
  facts.rollout.canary_stage = true;
  auto record = build_coverage(facts);
  CHECK(record.status == GuestStatus::pending);
  REQUIRE(record.available.size() == 1);
  CHECK(record.available[0].why_not == why_not::kCanaryStage);
  CHECK(record.cves_open == std::vector<std::string>{"CVE-2026-0003"});  // 0002 fixed by hs-1
  facts.rollout = RolloutView{};
  facts.rollout.paused = true;
  CHECK(build_coverage(facts).available[0].why_not == why_not::kPaused);
  facts.rollout = RolloutView{};
  facts.rollout.manual = true;
  CHECK(build_coverage(facts).available[0].why_not == why_not::kPolicy);
  facts.rollout = RolloutView{};
  CHECK(build_coverage(facts).available[0].why_not == why_not::kQueued);
}

TEST_CASE("a pin holds newer bundles back as pinned") {
  auto facts = reported({"hs-1"});
  facts.pin = "hs-1";
  auto record = build_coverage(facts);
  REQUIRE(record.available.size() == 1);
  CHECK(record.available[0].why_not == why_not::kPinned);
  CHECK(record.status == GuestStatus::pending);
  CHECK_FALSE(record.reason.empty());
}

TEST_CASE("a bundle live above the pin is live: patched when nothing is held back") {
  // An operator applied hs-1 over a pin at no patch (web-2 in the demo).
  auto facts = reported({"hs-1"});
  facts.pin = "";
  auto record = build_coverage(facts);
  CHECK(record.effective_kernel == "6.1.0-56-amd64+hotsplice.hs-1");
  CHECK(record.status == GuestStatus::pending);  // hs-2 is above the pin and not live
  CHECK(record.reason == "its pin (pinned at no patch) holds back hs-2");
  REQUIRE(record.available.size() == 1);
  CHECK(record.available[0].why_not == why_not::kPinned);
  // Everything live, whatever the pin says: nothing is held, the guest is patched.
  facts.live = {"hs-1", "hs-2"};
  record = build_coverage(facts);
  CHECK(record.status == GuestStatus::patched);
  CHECK(record.reason.empty());
}

TEST_CASE("a bundle an operator rolled back does not keep the guest pending, its CVEs stay open") {
  auto facts = reported({"hs-1"});
  facts.for_kernel.pop_back();  // hs-1 only
  facts.live.clear();
  facts.recorded = {row("hs-1", BundleEvent::rolled_back)};
  auto record = build_coverage(facts);
  CHECK(record.status == GuestStatus::patched);
  CHECK_THAT(record.reason, Catch::Contains("hs-1 rolled back by the operator"));
  REQUIRE(record.available.size() == 1);
  CHECK(record.available[0].why_not == why_not::kRolledBack);
  CHECK(record.cves_open == std::vector<std::string>{"CVE-2026-0001", "CVE-2026-0002"});
  CHECK(record.cves_fixed.empty());
}

TEST_CASE("a newer bundle after a rolled-back level waits for the operator: pending") {
  auto facts = reported();
  facts.recorded = {row("hs-1", BundleEvent::rolled_back)};
  auto record = build_coverage(facts);
  CHECK(record.status == GuestStatus::pending);
  REQUIRE(record.available.size() == 2);
  CHECK(record.available[0].why_not == why_not::kRolledBack);
  CHECK(record.available[1].why_not == why_not::kAfterRollback);
  CHECK_THAT(record.reason, Catch::Contains("hs-2 waits"));
}

TEST_CASE("a bundle superseded by a newer live level is not missing, unlisted CVEs stay open") {
  // hs-2 is live and replaces hs-1 (atomic replace); hs-1 was rolled back earlier (web-1).
  auto facts = reported({"hs-2"});
  facts.recorded = {row("hs-1", BundleEvent::rolled_back)};
  auto record = build_coverage(facts);
  CHECK(record.status == GuestStatus::patched);
  CHECK(record.reason.empty());
  REQUIRE(record.available.size() == 1);
  CHECK(record.available[0].why_not == why_not::kSuperseded);
  // hs-2's manifest lists 0002 and 0003; 0001 is only in hs-1's: not claimed as fixed.
  CHECK(record.cves_fixed == std::vector<std::string>{"CVE-2026-0002", "CVE-2026-0003"});
  CHECK(record.cves_open == std::vector<std::string>{"CVE-2026-0001"});
  // A failure of the superseded level no longer makes the guest failed.
  facts.recorded = {row("hs-1", BundleEvent::failed, "wrong_kernel", "x")};
  CHECK(build_coverage(facts).status == GuestStatus::patched);
}

TEST_CASE("a failed apply makes the guest failed with the code and message") {
  auto facts = reported();
  facts.recorded = {row("hs-1", BundleEvent::failed, "wrong_kernel", "build-id differs")};
  auto record = build_coverage(facts);
  CHECK(record.status == GuestStatus::failed);
  REQUIRE(record.available.size() == 2);
  CHECK(record.available[0].why_not == why_not::kFailed);
  REQUIRE(record.available[0].error);
  CHECK(record.available[0].error->code == "wrong_kernel");
  CHECK(record.reason == "hs-1: wrong_kernel: build-id differs");
}

TEST_CASE("a bundle that crashed the kernel last boot is failed with crashed_last_time") {
  auto facts = reported();
  facts.crashed_bundles = {"hs-2"};
  auto record = build_coverage(facts);
  CHECK(record.status == GuestStatus::failed);
  CHECK(record.available[1].why_not == why_not::kCrashedLastTime);
  CHECK(record.reason.find("crashed_last_time") != std::string::npos);
  facts.crashed_bundles.clear();
  facts.recorded = {row("hs-1", BundleEvent::failed, "crashed_last_time", "boot id changed")};
  CHECK(build_coverage(facts).available[0].why_not == why_not::kCrashedLastTime);
}

TEST_CASE("summary counts every status and distinct open CVEs") {
  auto open = build_coverage(reported({"hs-1"}));
  auto open_too = open;
  open_too.id = "uuid-web2";
  CoverageFacts silent;
  silent.silent = true;
  auto summary = summarize({open, open_too, build_coverage(silent)});
  CHECK(summary.total == 3);
  CHECK(summary.by_status.at(GuestStatus::pending) == 2);
  CHECK(summary.by_status.at(GuestStatus::agent_silent) == 1);
  CHECK(summary.by_status.at(GuestStatus::patched) == 0);
  CHECK(summary.open_cves == 1);
  Json json = to_json(open);
  CHECK(json["id"] == "uuid-web1");
  CHECK(json["available"][0]["why_not"] == "queued");
  CHECK(json["available"][0]["error"].is_null());
  CHECK(json["covered_by"].is_null());
  CHECK(json["kernel"]["release"] == "6.1.0-56-amd64");
}

TEST_CASE(
    "an agent that stopped answering: agent_silent, its last report kept apart, not counted") {
  CoverageFacts facts = reported({"hs-1", "hs-2"});
  CHECK(build_coverage(facts).status == GuestStatus::patched);
  facts.silent = true;
  facts.problem = "timeout: no inventory from the guest within 5 s";
  facts.last_contact = Clock::time_point(std::chrono::seconds(1'800'000'000));
  auto record = build_coverage(facts);
  CHECK(record.status == GuestStatus::agent_silent);
  // Nothing of the old report is current coverage.
  CHECK(record.applied.empty());
  CHECK(record.available.empty());
  CHECK_FALSE(record.kernel);
  CHECK(record.effective_kernel.empty());
  CHECK_FALSE(record.cves_known);
  CHECK(record.last_contact == facts.last_contact);
  // The reason names when it last answered, why it is silent and what it last said.
  CHECK_THAT(record.reason, Catch::Contains("since 2027-01-15T08:00:00Z"));
  CHECK_THAT(record.reason, Catch::Contains(facts.problem));
  CHECK_THAT(record.reason, Catch::Contains("last known: patched, 6.1.0-56-amd64+hotsplice.hs-2"));
  REQUIRE(record.last_known);
  CHECK(record.last_known->status == GuestStatus::patched);
  CHECK(record.last_known->at == facts.last_contact);
  REQUIRE(record.last_known->applied.size() == 2);
  CHECK(record.last_known->applied[1].bundle_id == "hs-2");
  CHECK(record.last_known->cves_fixed ==
        std::vector<std::string>{"CVE-2026-0001", "CVE-2026-0002", "CVE-2026-0003"});

  Json json = to_json(record);
  CHECK(json["status"] == "agent_silent");
  CHECK(json["applied"] == Json::array());
  CHECK(json["cves_fixed"].is_null());
  CHECK(json["last_known"]["status"] == "patched");
  CHECK(json["last_known"]["at"] == "2027-01-15T08:00:00Z");
  CHECK(json["last_known"]["applied"][0]["bundle_id"] == "hs-1");
  CHECK(json["last_known"]["kernel"]["release"] == "6.1.0-56-amd64");
  CHECK(to_json(build_coverage(reported()))["last_known"].is_null());

  auto summary = summarize({record});
  CHECK(summary.by_status.at(GuestStatus::patched) == 0);
  CHECK(summary.by_status.at(GuestStatus::agent_silent) == 1);
  CHECK(summary.cves_unknown == 1);
}

TEST_CASE("a guest directory down: the VM is unknown, what it said before kept apart") {
  const std::string why = "guest directory qemu:///system disconnected since T (gone)";
  // Pending before: unknown now; its report only as last_known.
  CoverageFacts facts = reported({"hs-1"});
  facts.last_contact = Clock::time_point(std::chrono::seconds(1'800'000'000));
  CoverageRecord before = build_coverage(facts);
  REQUIRE(before.status == GuestStatus::pending);
  auto record = directory_unreachable(before, why);
  CHECK(record.status == GuestStatus::unknown);
  CHECK(record.id == "uuid-web1");
  CHECK(record.name == "web1");
  CHECK(record.applied.empty());
  CHECK(record.available.empty());
  CHECK_FALSE(record.kernel);
  CHECK(record.effective_kernel.empty());
  CHECK_FALSE(record.cves_known);
  CHECK(record.agent_version.empty());
  CHECK(record.last_contact == facts.last_contact);
  CHECK_THAT(record.reason, Catch::StartsWith(why));
  CHECK_THAT(record.reason, Catch::Contains("last known: pending, 6.1.0-56-amd64+hotsplice.hs-1"));
  REQUIRE(record.last_known);
  CHECK(record.last_known->status == GuestStatus::pending);
  CHECK(record.last_known->at == facts.last_contact);
  REQUIRE(record.last_known->applied.size() == 1);
  CHECK(record.last_known->cves_open == std::vector<std::string>{"CVE-2026-0003"});
  Json json = to_json(record);
  CHECK(json["status"] == "unknown");
  CHECK(json["cves_open"].is_null());
  CHECK(json["last_known"]["status"] == "pending");

  // Unsupported or failed before: nothing stale is left in the record.
  CoverageFacts legacy = reported();
  legacy.for_kernel.clear();
  auto unsupported = directory_unreachable(build_coverage(legacy), why);
  CHECK(unsupported.status == GuestStatus::unknown);
  REQUIRE(unsupported.last_known);
  CHECK(unsupported.last_known->status == GuestStatus::unsupported_kernel);
  CoverageFacts broken = reported();
  broken.recorded = {row("hs-1", BundleEvent::failed, "wrong_kernel", "no")};
  auto failed = directory_unreachable(build_coverage(broken), why);
  CHECK(failed.status == GuestStatus::unknown);
  CHECK(failed.available.empty());
  CHECK(failed.last_known->status == GuestStatus::failed);

  // Silent before: the agent's own last report stays the last known one.
  facts.live = {"hs-1", "hs-2"};
  facts.silent = true;
  auto silent = directory_unreachable(build_coverage(facts), why);
  CHECK(silent.status == GuestStatus::unknown);
  REQUIRE(silent.last_known);
  CHECK(silent.last_known->status == GuestStatus::patched);
  // Never answered, or no channel: no last report, the last status named in the reason.
  CoverageFacts bare;
  bare.id = "uuid-db1";
  bare.name = "db1";
  bare.has_channel = false;
  auto no_channel = directory_unreachable(build_coverage(bare), why);
  CHECK(no_channel.status == GuestStatus::unknown);
  CHECK_FALSE(no_channel.last_known);
  CHECK_THAT(no_channel.reason, Catch::EndsWith("; last known: no_channel"));

  auto summary = summarize({record, unsupported, failed, silent, no_channel});
  CHECK(summary.by_status.at(GuestStatus::unknown) == 5);
  CHECK(summary.by_status.at(GuestStatus::pending) == 0);
  CHECK(summary.open_cves == 0);
  CHECK(summary.cves_unknown == 5);
}
