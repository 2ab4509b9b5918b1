// A real Prometheus (Debian's package) scrapes a real hotsplice-hostd's /metrics every
// second, and PromQL through Prometheus's HTTP API sees the guests by status that hostd's
// own API reports — including a guest whose name is hostile to label parsers — and the
// alert rules of deploy/prometheus match what hostd really exports.
#include <catch2/catch.hpp>
#include <cctype>
#include <cstdio>
#include <thread>

#include "core/base/subprocess.h"
#include "hostagent/tests/api_test_kit.h"

using namespace hotsplice;
using namespace hotsplice::hostd::testing;
using namespace hotsplice::testing;

namespace {

constexpr char kPrometheus[] = "/usr/bin/prometheus";

std::string url_encode(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char hex[4];
      std::snprintf(hex, sizeof hex, "%%%02X", c);
      out += hex;
    }
  }
  return out;
}

// The result vector of an instant query, or null while Prometheus has no answer.
Json query(std::uint16_t port, const std::string& promql) {
  auto answer = http_get(port, "/api/v1/query?query=" + url_encode(promql));
  if (answer.status != 200) return nullptr;
  Json body = answer.json();
  if (!body.is_object() || body["status"] != "success") return nullptr;
  return body["data"]["result"];
}

}  // namespace

TEST_CASE("Prometheus scrapes hostd's /metrics and PromQL counts the guests by status") {
  if (!std::filesystem::exists(kPrometheus)) {
    WARN("SKIPPED: " << kPrometheus << " not installed (scripts/setup installs prometheus)");
    return;
  }
  ApiHostd hostd;
  INFO("hostd log:\n" << file_tail(hostd.log()));
  REQUIRE(hostd.wait_settled());

  const TempDir& dir = hostd.dir();
  auto config = dir.write("prometheus.yml",
                          "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                          "rule_files:\n  - '" HOTSPLICE_PROMETHEUS_RULES
                          "'\n"
                          "scrape_configs:\n  - job_name: hotsplice\n    static_configs:\n"
                          "      - targets: ['127.0.0.1:" +
                              std::to_string(hostd.port()) + "']\n");
  std::uint16_t port = free_port();
  ChildProcess prometheus(
      {kPrometheus, "--config.file=" + config.string(),
       "--storage.tsdb.path=" + (dir / "tsdb").string(),
       "--web.listen-address=127.0.0.1:" + std::to_string(port), "--log.level=warn"},
      dir / "prometheus.log");
  INFO("prometheus log:\n" << file_tail(dir / "prometheus.log"));

  // Wait for a scrape that has seen the three guests (the first scrape is within ~2 s).
  std::map<std::string, int> by_status;
  for (int i = 0; i < 300; ++i) {
    Json result = query(port, "sum by (status) (hotsplice_guests{job=\"hotsplice\"})");
    by_status.clear();
    if (result.is_array()) {
      for (const auto& sample : result) {
        by_status[sample["metric"]["status"].get<std::string>()] =
            std::stoi(sample["value"][1].get<std::string>());
      }
    }
    if (by_status["agent_silent"] == 1 && by_status["no_channel"] == 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // Exactly what hostd's API says, every status present (zeros included).
  Json summary = http_get(hostd.port(), "/api/v1/host").json()["summary"]["by_status"];
  REQUIRE(by_status.size() == summary.size());
  for (const auto& [status, count] : summary.items()) {
    INFO(status);
    CHECK(by_status[status] == count.get<int>());
  }
  CHECK(by_status["agent_silent"] == 1);
  CHECK(by_status["no_channel"] == 1);
  CHECK(by_status["unknown"] == 1);
  CHECK(by_status["patched"] == 0);

  // The hostile name arrives in Prometheus unchanged, as a label value.
  Json hostile = query(port, "hotsplice_guest_info{status=\"no_channel\"}");
  REQUIRE(hostile.is_array());
  REQUIRE(hostile.size() == 1);
  CHECK(hostile[0]["metric"]["guest"] == kHostileName);
  CHECK(query(port, "up{job=\"hotsplice\"}")[0]["value"][1] == "1");

  // The kernels whose CVEs are unknown, as the API counts them.
  Json unknown_cves = query(port, "hotsplice_cves_unknown{job=\"hotsplice\"}");
  REQUIRE(unknown_cves.is_array());
  REQUIRE(unknown_cves.size() == 1);
  CHECK(unknown_cves[0]["value"][1] ==
        http_get(hostd.port(), "/api/v1/host").json()["summary"]["cves_unknown"].dump());

  // deploy/prometheus's rules match what this hostd really exports: web-1's agent never
  // answered (it has no last-seen series at all) and still trips HotspliceAgentSilent; the
  // guest without a channel trips HotspliceNoChannel (both pending: their `for` is long).
  CHECK(query(port, "hotsplice_agent_last_seen_seconds{guest=\"web-1\"}").empty());
  auto pending_for = [&](const std::string& alert) {
    Json result;
    for (int i = 0; i < 300; ++i) {
      result = query(port, "ALERTS{alertname=\"" + alert + "\",alertstate=\"pending\"}");
      if (result.is_array() && !result.empty()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return result;
  };
  Json silent = pending_for("HotspliceAgentSilent");
  REQUIRE(silent.is_array());
  REQUIRE(silent.size() == 1);
  CHECK(silent[0]["metric"]["guest"] == "web-1");
  Json no_channel = pending_for("HotspliceNoChannel");
  REQUIRE(no_channel.is_array());
  REQUIRE(no_channel.size() == 1);
  CHECK(no_channel[0]["metric"]["guest"] == kHostileName);
}
