// /metrics text and the API's documents, from records built by the coverage model.
#include <catch2/catch.hpp>

#include <sstream>

#include "hostagent/api_views.h"
#include "hostagent/config.h"
#include "hostagent/metrics.h"
#include "hostagent/static_files.h"

using namespace hotsplice;
using namespace hotsplice::hostd;

namespace {

const KernelIdentity kKernel{"6.1.0-56-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2", "aa11"};

CoverageRecord record(const std::string& id, const std::string& name, std::vector<std::string> live,
                      std::vector<GuestBundleRow> recorded = {}) {
  CoverageFacts facts;
  facts.id = id;
  facts.name = name;
  facts.reported = true;
  facts.kernel = kKernel;
  facts.live = std::move(live);
  facts.last_contact = Clock::time_point(std::chrono::seconds(1000));
  facts.for_kernel = {CatalogBundle{"hs-1", kKernel, {"CVE-2026-0001"}, 0, "one"},
                      CatalogBundle{"hs-2", kKernel, {"CVE-2026-0002"}, 1, "two"}};
  facts.recorded = std::move(recorded);
  return build_coverage(facts);
}

}  // namespace

TEST_CASE("label values are escaped and made valid UTF-8") {
  CHECK(escape_label_value("web-1") == "web-1");
  CHECK(escape_label_value("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
  CHECK(escape_label_value("caf\xC3\xA9") == "caf\xC3\xA9");
  CHECK(escape_label_value("bad\xFFtail") == "bad\xEF\xBF\xBDtail");
  CHECK(escape_label_value("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  CHECK(escape_label_value("\xE2\x82") == "\xEF\xBF\xBD\xEF\xBF\xBD");  // cut short
}

TEST_CASE("metrics give guests by status, open CVEs, blocked bundles and last-seen age") {
  MetricsInput input;
  input.records = {
      record("u1", "web-1", {"hs-1", "hs-2"}),
      record("u2", "evil\"}\n", {},
             {GuestBundleRow{"u2", "hs-1", BundleEvent::failed, 5, "wrong_kernel", "no", 0}})};
  input.counters.applies = 3;
  input.counters.transfer_bytes = 4096;
  input.counters.errors["channel_timeout"] = 2;
  input.rollout = {"general", false};
  input.version = "9.9";
  input.now = Clock::time_point(std::chrono::seconds(1030));
  std::string text = render_metrics(input);
  CHECK_THAT(text, Catch::Contains("# TYPE hotsplice_guests gauge\n"));
  CHECK_THAT(text, Catch::Contains("hotsplice_guests{status=\"patched\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("hotsplice_guests{status=\"failed\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("hotsplice_guests{status=\"unknown\"} 0\n"));
  CHECK_THAT(text, Catch::Contains("hotsplice_open_cves 2\n"));
  CHECK_THAT(text,
             Catch::Contains("hotsplice_guest_open_cves{guest=\"evil\\\"}\\n\",id=\"u2\"} 2\n"));
  CHECK_THAT(text,
             Catch::Contains("hotsplice_guest_patch_blocked{guest=\"evil\\\"}\\n\",id=\"u2\","
                             "bundle=\"hs-1\",why_not=\"failed\",code=\"wrong_kernel\"} 1\n"));
  CHECK_THAT(text,
             Catch::Contains("hotsplice_agent_last_seen_seconds{guest=\"web-1\",id=\"u1\"} 30\n"));
  CHECK_THAT(text, Catch::Contains("hotsplice_rollout_progress_ratio 0.5\n"));
  CHECK_THAT(text, Catch::Contains("hotsplice_patches_applied_total 3\n"));
  CHECK_THAT(text, Catch::Contains("hotsplice_transfer_bytes_total 4096\n"));
  CHECK_THAT(text, Catch::Contains("hotsplice_errors_total{code=\"channel_timeout\"} 2\n"));
  CHECK_THAT(text, Catch::Contains("hotsplice_build_info{version=\"9.9\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("hotsplice_guest_directory_up 1\n"));
  // Every sample line belongs to a family announced by HELP and TYPE before it.
  std::istringstream lines(text);
  std::string current;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# TYPE ", 0) == 0) current = line.substr(7, line.find(' ', 7) - 7);
    if (line.empty() || line[0] == '#') continue;
    INFO(line);
    CHECK(line.rfind(current, 0) == 0);
  }
}

TEST_CASE("a silent agent's last report counts for nothing: no patched, no live, no CVEs") {
  CoverageFacts facts;
  facts.id = "u1";
  facts.name = "web-1";
  facts.reported = true;
  facts.kernel = kKernel;
  facts.live = {"hs-1", "hs-2"};
  facts.last_contact = Clock::time_point(std::chrono::seconds(1000));
  facts.for_kernel = {CatalogBundle{"hs-1", kKernel, {"CVE-2026-0001"}, 0, "one"},
                      CatalogBundle{"hs-2", kKernel, {"CVE-2026-0002"}, 1, "two"}};
  facts.silent = true;
  facts.problem = "timeout: no heartbeat echo from the guest within 10 s";
  MetricsInput input;
  input.records = {build_coverage(facts)};
  input.rollout = {"general", false};
  input.now = Clock::time_point(std::chrono::seconds(1090));
  std::string text = render_metrics(input);
  CHECK_THAT(text, Catch::Contains("hotsplice_guests{status=\"patched\"} 0\n"));
  CHECK_THAT(text, Catch::Contains("hotsplice_guests{status=\"agent_silent\"} 1\n"));
  CHECK_THAT(text, !Catch::Contains("hotsplice_guest_patches_applied{"));
  CHECK_THAT(text, !Catch::Contains("hotsplice_guest_open_cves{"));
  CHECK_THAT(text, Catch::Contains("\nhotsplice_cves_unknown 1\n"));
  // Not patched: it counts against the progress, never for it.
  CHECK_THAT(text, Catch::Contains("\nhotsplice_rollout_progress_ratio 0\n"));
  // How long it has been silent stays visible.
  CHECK_THAT(text,
             Catch::Contains("hotsplice_agent_last_seen_seconds{guest=\"web-1\",id=\"u1\"} 90\n"));
}

TEST_CASE("an unsupported kernel: CVEs unknown (counted, no series) and progress below 1") {
  CoverageFacts facts;
  facts.id = "u3";
  facts.name = "legacy-1";
  facts.reported = true;
  facts.kernel = kKernel;  // no bundle for it: unsupported_kernel
  MetricsInput input;
  input.now = Clock::time_point(std::chrono::seconds(1030));
  // No kernel at all: no progress ratio (never 1 claimed for nothing).
  CHECK_THAT(render_metrics(input), !Catch::Contains("\nhotsplice_rollout_progress_ratio "));
  input.records = {build_coverage(facts)};
  std::string text = render_metrics(input);
  CHECK_THAT(text, Catch::Contains("# TYPE hotsplice_guest_open_cves gauge\n"));
  CHECK_THAT(text, !Catch::Contains("hotsplice_guest_open_cves{"));
  CHECK_THAT(text, Catch::Contains("\nhotsplice_cves_unknown 1\n"));
  CHECK_THAT(text, Catch::Contains("\nhotsplice_rollout_progress_ratio 0\n"));
  // Beside a patched kernel: 0 open CVEs is only about the known ones, and the unpatched
  // legacy-1 keeps the progress at a half, not 1 (the demo's finding).
  input.records.push_back(record("u1", "web-1", {"hs-1", "hs-2"}));
  text = render_metrics(input);
  CHECK_THAT(text, Catch::Contains("\nhotsplice_open_cves 0\n"));
  CHECK_THAT(text, Catch::Contains("\nhotsplice_cves_unknown 1\n"));
  CHECK_THAT(text, Catch::Contains("\nhotsplice_rollout_progress_ratio 0.5\n"));
  // The guest directory down: 0, and no ratio.
  input.directory_up = false;
  text = render_metrics(input);
  CHECK_THAT(text, Catch::Contains("\nhotsplice_guest_directory_up 0\n"));
  CHECK_THAT(text, !Catch::Contains("\nhotsplice_rollout_progress_ratio "));
}

TEST_CASE("a guest directory down: its VMs count as unknown, with no stale series") {
  CoverageFacts legacy;
  legacy.id = "u3";
  legacy.name = "legacy-1";
  legacy.reported = true;
  legacy.kernel = kKernel;
  legacy.last_contact = Clock::time_point(std::chrono::seconds(1000));
  const std::string why = "guest directory qemu:///system disconnected since T (gone)";
  MetricsInput input;
  input.records = {directory_unreachable(record("u1", "web-1", {"hs-1"}), why),
                   directory_unreachable(build_coverage(legacy), why)};
  input.directory_up = false;
  input.now = Clock::time_point(std::chrono::seconds(1030));
  std::string text = render_metrics(input);
  CHECK_THAT(text, Catch::Contains("hotsplice_guests{status=\"unknown\"} 2\n"));
  CHECK_THAT(text, Catch::Contains("hotsplice_guests{status=\"pending\"} 0\n"));
  CHECK_THAT(text, Catch::Contains("hotsplice_guests{status=\"unsupported_kernel\"} 0\n"));
  CHECK_THAT(text, Catch::Contains("hotsplice_guest_info{guest=\"web-1\",id=\"u1\",kind=\"kvm\","
                                   "status=\"unknown\",effective_kernel=\"\"} 1\n"));
  CHECK_THAT(text, !Catch::Contains("status=\"pending\",effective"));
  CHECK_THAT(text, !Catch::Contains("hotsplice_guest_open_cves{"));
  CHECK_THAT(text, !Catch::Contains("hotsplice_guest_patches_applied{"));
  CHECK_THAT(text, !Catch::Contains("hotsplice_guest_patch_blocked{"));
  CHECK_THAT(text, Catch::Contains("\nhotsplice_cves_unknown 2\n"));
}

TEST_CASE("patches count guests that have them live, waiting, or failed") {
  std::vector<CoverageRecord> records = {
      record("u1", "web-1", {"hs-1", "hs-2"}), record("u2", "web-2", {"hs-1"}),
      record("u3", "web-3", {},
             {GuestBundleRow{"u3", "hs-1", BundleEvent::failed, 5, "x", "y", 0}})};
  std::vector<CatalogBundle> bundles = {
      CatalogBundle{"hs-1", kKernel, {"CVE-2026-0001"}, 0, "one"},
      CatalogBundle{"hs-2", kKernel, {"CVE-2026-0002"}, 1, "two"}};
  Json doc = patches_document(bundles, records);
  REQUIRE(doc["patches"].size() == 2);
  CHECK(doc["patches"][0]["guests"] == Json{{"applied", 2}, {"pending", 0}, {"failed", 1}});
  CHECK(doc["patches"][1]["guests"] == Json{{"applied", 1}, {"pending", 2}, {"failed", 0}});
  CHECK(doc["patches"][0]["description"] == "one");
  CHECK(doc["patches"][0]["target"]["build_id"] == "aa11");

  Json events = events_document({GuestBundleRow{"u1", "hs-1", BundleEvent::applied, 0, "", "", 7}},
                                {{"u1", "web-1"}}, 3);
  CHECK(events["next_cursor"] == 7);
  CHECK(events["events"][0]["guest"] == "web-1");
  CHECK(events["events"][0]["time"] == "1970-01-01T00:00:00Z");
  CHECK(events_document({}, {}, 3)["next_cursor"] == 3);
}

TEST_CASE("the http config keys, and refusals naming the key") {
  auto config = parse_config(R"({"http": {"listen": "[::1]:8080", "token_file": "/t",
                                           "dashboard_dir": "/d", "enabled": false}})");
  REQUIRE(config);
  CHECK(config->http.host == "::1");
  CHECK(config->http.port == 8080);
  CHECK(config->http.enabled == false);
  CHECK(parse_config("{}")->http.port == 9470);
  CHECK(parse_config("{}")->http.host == "127.0.0.1");
  for (const char* bad :
       {R"({"http": {"listen": "localhost:80"}})", R"({"http": {"listen": "1.2.3.4"}})",
        R"({"http": {"listen": "1.2.3.4:65536"}})", R"({"http": {"port": 1}})",
        R"({"http": {"token_file": "relative"}})"}) {
    INFO(bad);
    auto refused = parse_config(bad);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code() == "config_invalid");
    CHECK_THAT(refused.error().message(), Catch::Contains("http"));
  }
}

TEST_CASE("static file names map to content types, and percent-decoding refuses encoded slashes") {
  CHECK(std::string(content_type_for("index.html")) == "text/html; charset=utf-8");
  CHECK(std::string(content_type_for("app.js")) == "text/javascript; charset=utf-8");
  CHECK(std::string(content_type_for("x.png")) == "image/png");
  CHECK(std::string(content_type_for("js")) == "application/octet-stream");
  CHECK(percent_decode("a%20b") == "a b");
  CHECK_FALSE(percent_decode("a%2fb"));
  CHECK_FALSE(percent_decode("a%00"));
  CHECK_FALSE(percent_decode("a%4"));
}
