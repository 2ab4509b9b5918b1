// The HTTP API of a real hotsplice-hostd process (api_test_kit.h: libvirt's test driver for
// guests, a free port, a token file): every endpoint, every error, the dashboard's static
// files, /metrics' text, and the CLI answering from the same model.
#include <catch2/catch.hpp>
#include <regex>
#include <sstream>

#include "core/base/subprocess.h"
#include "hostagent/tests/api_test_kit.h"

using namespace hotsplice;
using namespace hotsplice::hostd::testing;
using namespace hotsplice::testing;
using boost::beast::http::verb;

namespace {

const std::map<std::string, std::string> kAuth = {
    {"Authorization", std::string("Bearer ") + kApiToken}};

// The answer is a JSON error with this status and code, and a message naming the problem.
void check_error(const HttpAnswer& answer, unsigned status, const std::string& code) {
  INFO("body: " << answer.body);
  CHECK(answer.status == status);
  CHECK_THAT(answer.header("content-type"), Catch::StartsWith("application/json"));
  Json body = answer.json();
  REQUIRE(body.is_object());
  CHECK(body["error"]["code"] == code);
  CHECK_FALSE(body["error"]["message"].get<std::string>().empty());
}

Json find_guest(const Json& guests, const std::string& name) {
  for (const auto& g : guests) {
    if (g["name"] == name) return g;
  }
  FAIL("no guest " << name);
  return nullptr;
}

SubprocessResult cli(ApiHostd& hostd, std::vector<std::string> words) {
  std::vector<std::string> argv = {HOTSPLICE_CLI_BINARY};
  argv.insert(argv.end(), words.begin(), words.end());
  argv.push_back("--socket");
  argv.push_back(hostd.socket().string());
  auto result = run_subprocess(SubprocessSpec(argv));
  REQUIRE(result);
  return *result;
}

}  // namespace

TEST_CASE("hostd's API answers every endpoint from the coverage model") {
  ApiHostd hostd;
  INFO("hostd log:\n" << file_tail(hostd.log()));
  REQUIRE(hostd.wait_settled());

  auto guests = http_get(hostd.port(), "/api/v1/guests");
  REQUIRE(guests.status == 200);
  CHECK(guests.header("content-type") == "application/json; charset=utf-8");
  CHECK(guests.header("cache-control") == "no-store");
  Json doc = guests.json();
  CHECK(std::regex_match(doc["generated"].get<std::string>(),
                         std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  REQUIRE(doc["guests"].size() == 3);
  Json web = find_guest(doc["guests"], "web-1");
  CHECK(web["id"] == kWebUuid);
  CHECK(web["kind"] == "kvm");
  CHECK(web["platform_evidence"] == Json::array({"libvirt domain type test"}));
  CHECK(web["status"] == "agent_silent");
  CHECK_THAT(web["reason"].get<std::string>(), Catch::Contains("channel_connect"));
  for (const char* key : {"id", "name", "kind", "platform_evidence", "kernel", "effective_kernel",
                          "status", "reason", "applied", "available", "cves_fixed", "cves_open",
                          "agent_version", "last_contact", "pin", "covered_by", "last_known"}) {
    CHECK(web.contains(key));
  }
  CHECK(web["kernel"].is_null());
  CHECK(web["last_known"].is_null());  // it never reported: nothing was known
  CHECK(web["last_contact"].is_null());
  // Not reported: its CVEs and agent version are unknown, null (never [] or "").
  CHECK(web["cves_open"].is_null());
  CHECK(web["cves_fixed"].is_null());
  CHECK(web["agent_version"].is_null());
  CHECK(doc["guest_directory"]["connected"] == true);
  CHECK(find_guest(doc["guests"], kHostileName)["status"] == "no_channel");
  CHECK(find_guest(doc["guests"], "off-1")["status"] == "unknown");

  auto host = http_get(hostd.port(), "/api/v1/host");
  REQUIRE(host.status == 200);
  Json h = host.json();
  CHECK_FALSE(h["hostname"].get<std::string>().empty());
  CHECK(h["hostd_version"].is_string());
  CHECK(h["environment"]["kind"].is_string());
  CHECK(h["environment"]["evidence"].is_array());
  CHECK(h["summary"]["total"] == 3);
  CHECK(h["summary"]["by_status"]["agent_silent"] == 1);
  CHECK(h["summary"]["by_status"]["no_channel"] == 1);
  CHECK(h["summary"]["by_status"]["unknown"] == 1);
  CHECK(h["summary"]["by_status"]["patched"] == 0);
  CHECK(h["summary"]["open_cves"] == 0);
  CHECK(h["summary"]["cves_unknown"] == 3);
  CHECK(h["rollout"]["paused"] == false);
  CHECK(h["repository"].contains("last_sync"));
  CHECK(h["repository"].contains("index_version"));
  if (!h["kernel"].is_null()) CHECK(h["effective_kernel"] == h["kernel"]["release"]);

  auto one = http_get(hostd.port(), std::string("/api/v1/guests/") + kWebUuid);
  REQUIRE(one.status == 200);
  CHECK(one.json()["name"] == "web-1");
  CHECK(one.json()["history"].is_array());
  CHECK(http_get(hostd.port(), "/api/v1/guests/off-1").json()["id"] ==
        "6695eb01-f6a4-8304-79aa-97f2502e1932");  // by name too

  auto patches = http_get(hostd.port(), "/api/v1/patches");
  REQUIRE(patches.status == 200);
  CHECK(patches.json() == Json{{"patches", Json::array()}});  // an empty repository

  auto events = http_get(hostd.port(), "/api/v1/events?after=0&limit=10");
  REQUIRE(events.status == 200);
  CHECK(events.json()["events"].is_array());
  CHECK(events.json()["next_cursor"] == 0);

  // The operator's actions with the token.
  auto paused = http_call(hostd.port(), verb::post, "/api/v1/rollout/pause", "", kAuth);
  REQUIRE(paused.status == 200);
  CHECK(paused.json()["paused"] == true);
  CHECK(http_get(hostd.port(), "/api/v1/host").json()["rollout"]["paused"] == true);
  auto resumed = http_call(hostd.port(), verb::post, "/api/v1/rollout/resume", "{}", kAuth);
  REQUIRE(resumed.status == 200);
  CHECK(resumed.json()["paused"] == false);
  // web-1 has not completed a handshake: apply and rollback are refused, naming why.
  check_error(
      http_call(hostd.port(), verb::post, std::string("/api/v1/guests/") + kWebUuid + "/apply",
                R"({"patch": "hs-1"})", kAuth),
      409, "guest_not_ready");
  check_error(http_call(hostd.port(), verb::post, "/api/v1/guests/web-1/rollback",
                        R"({"patch": "hs-1"})", kAuth),
              409, "guest_not_ready");
}

TEST_CASE("hostd's API answers every error with a JSON body naming the problem") {
  ApiHostd hostd;
  INFO("hostd log:\n" << file_tail(hostd.log()));
  REQUIRE(hostd.wait_settled());
  auto port = hostd.port();

  check_error(http_get(port, "/api/v2/guests"), 404, "not_found");
  check_error(http_get(port, "/api/v1/guests/no-such-guest"), 404, "unknown_guest");
  check_error(http_call(port, verb::post, "/api/v1/guests/no-such-guest/apply", "", kAuth), 404,
              "unknown_guest");
  auto wrong_method = http_call(port, verb::delete_, "/api/v1/guests");
  check_error(wrong_method, 405, "method_not_allowed");
  CHECK(wrong_method.header("allow") == "GET");
  check_error(http_get(port, "/api/v1/rollout/pause"), 405, "method_not_allowed");
  check_error(http_get(port, "/api/v1/events?limit=abc"), 400, "bad_parameter");
  check_error(http_get(port, "/api/v1/events?limit=100000"), 400, "bad_parameter");
  check_error(http_get(port, "/api/v1/events?before=3"), 400, "bad_parameter");

  // Tokens: none, not a bearer, wrong, and a wrong one of the right length.
  auto missing = http_call(port, verb::post, "/api/v1/rollout/pause");
  check_error(missing, 401, "missing_token");
  CHECK_THAT(missing.header("www-authenticate"), Catch::StartsWith("Bearer"));
  check_error(http_call(port, verb::post, "/api/v1/rollout/pause", "",
                        {{"Authorization", std::string("Basic ") + kApiToken}}),
              401, "missing_token");
  check_error(
      http_call(port, verb::post, "/api/v1/rollout/pause", "", {{"Authorization", "Bearer nope"}}),
      403, "wrong_token");
  std::string same_length(std::string(kApiToken).size(), 'x');
  check_error(http_call(port, verb::post, "/api/v1/rollout/pause", "",
                        {{"Authorization", "Bearer " + same_length}}),
              403, "wrong_token");
  CHECK(http_get(port, "/api/v1/host").json()["rollout"]["paused"] == false);  // none got in

  // Bodies: not JSON, not an object, an unknown field, a wrong type, rollback without patch.
  auto apply = std::string("/api/v1/guests/") + kWebUuid + "/apply";
  check_error(http_call(port, verb::post, apply, "{\"patch\": ", kAuth), 400, "bad_json");
  check_error(http_call(port, verb::post, apply, "[1]", kAuth), 400, "bad_json");
  check_error(http_call(port, verb::post, apply, R"({"bundle": "hs-1"})", kAuth), 400, "bad_json");
  check_error(http_call(port, verb::post, apply, R"({"patch": 7})", kAuth), 400, "bad_json");
  check_error(http_call(port, verb::post, "/api/v1/guests/web-1/rollback", "{}", kAuth), 400,
              "bad_json");

  // A body over the 64 KiB bound is refused before it is read.
  check_error(http_call(port, verb::post, apply, std::string(100 * 1024, ' '), kAuth), 413,
              "body_too_large");
  // Not HTTP at all.
  std::string raw = raw_exchange(port, "HELLO\r\n\r\n");
  CHECK_THAT(raw, Catch::StartsWith("HTTP/1.1 400"));
  CHECK_THAT(raw, Catch::Contains("\"code\":\"bad_http_request\""));
  // hostd is still there.
  CHECK(http_get(port, "/api/v1/guests").status == 200);
}

TEST_CASE("hostd serves the dashboard's files with a strict CSP and never outside its directory") {
  ApiHostd hostd;
  INFO("hostd log:\n" << file_tail(hostd.log()));
  REQUIRE(hostd.wait_settled());
  auto port = hostd.port();
  auto index = http_get(port, "/");
  REQUIRE(index.status == 200);
  CHECK(index.header("content-type") == "text/html; charset=utf-8");
  CHECK_THAT(index.header("content-security-policy"), Catch::Contains("default-src 'self'"));
  CHECK_THAT(index.header("content-security-policy"), Catch::Contains("script-src 'self'"));
  CHECK_THAT(index.header("content-security-policy"), !Catch::Contains("unsafe-inline"));
  CHECK(index.header("x-content-type-options") == "nosniff");
  CHECK_THAT(index.body, Catch::Contains("<title>hotsplice</title>"));
  auto js = http_get(port, "/static/app.js");
  CHECK(js.status == 200);
  CHECK(js.header("content-type") == "text/javascript; charset=utf-8");
  CHECK(http_get(port, "/static/app.css").header("content-type") == "text/css; charset=utf-8");
  for (const char* escape :
       {"/static/../secret.txt", "/static/%2e%2e/secret.txt", "/static/%2E%2E%2Fsecret.txt",
        "/static/link.txt", "/static/", "/static//etc/passwd", "/static/.hidden", "/static/nope.js",
        "/static/%zz", "/static/..%5csecret.txt"}) {
    INFO(escape);
    check_error(http_get(port, escape), 404, "not_found");
  }
}

TEST_CASE("/metrics is Prometheus text with escaped guest names") {
  ApiHostd hostd;
  INFO("hostd log:\n" << file_tail(hostd.log()));
  REQUIRE(hostd.wait_settled());
  auto metrics = http_get(hostd.port(), "/metrics");
  REQUIRE(metrics.status == 200);
  CHECK(metrics.header("content-type") == "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = metrics.body;
  for (const char* family :
       {"hotsplice_guests", "hotsplice_guest_info", "hotsplice_guest_open_cves",
        "hotsplice_guest_patches_applied", "hotsplice_agent_last_seen_seconds",
        "hotsplice_rollout_progress_ratio", "hotsplice_transfer_bytes_total",
        "hotsplice_errors_total", "hotsplice_patches_applied_total"}) {
    INFO(family);
    CHECK_THAT(text, Catch::Contains(std::string("# HELP ") + family + " "));
    CHECK_THAT(text, Catch::Contains(std::string("# TYPE ") + family + " "));
  }
  CHECK_THAT(text, Catch::Contains("hotsplice_guests{status=\"agent_silent\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("hotsplice_guests{status=\"no_channel\"} 1\n"));
  CHECK_THAT(text, Catch::Contains("hotsplice_guests{status=\"patched\"} 0\n"));
  // The hostile name: its quote and backslash escaped, nothing else touched.
  CHECK_THAT(text, Catch::Contains(
                       "hotsplice_guest_info{guest=\"<img src=x onerror=alert(1)>\\\"\\\\\","));
  // No kernel here has a bundle: open CVEs unknown, so no series (never a 0).
  CHECK_THAT(text, !Catch::Contains("\nhotsplice_guest_open_cves{"));
  CHECK_THAT(text, Catch::Contains("\nhotsplice_guest_directory_up 1\n"));
  // None of them is patched: the progress is 0 of every kernel listed, never "done".
  CHECK_THAT(text, Catch::Contains("\nhotsplice_rollout_progress_ratio 0\n"));
  CHECK_THAT(text, Catch::Contains("# TYPE hotsplice_cves_unknown gauge\n"));
  // web-1's failed handshakes are counted by code.
  CHECK_THAT(text, Catch::Contains("hotsplice_errors_total{code=\"channel_connect\"} "));
}

TEST_CASE("the hotsplice CLI answers from the same model as the API") {
  ApiHostd hostd;
  INFO("hostd log:\n" << file_tail(hostd.log()));
  REQUIRE(hostd.wait_settled());
  auto json = cli(hostd, {"guests", "--json"});
  REQUIRE(json.succeeded());
  Json from_cli = Json::parse(json.output, nullptr, false);
  Json from_api = http_get(hostd.port(), "/api/v1/guests").json();
  REQUIRE(from_cli.is_object());
  CHECK(from_cli["guests"] == from_api["guests"]);
  CHECK(from_cli.contains("generated"));

  auto table = cli(hostd, {"guests"});
  REQUIRE(table.succeeded());
  INFO(table.output);
  std::vector<std::string> lines;
  std::istringstream stream(table.output);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  REQUIRE(lines.size() == 4);
  CHECK(std::regex_match(lines[0], std::regex(R"(NAME +KIND +STATUS +CVES +EFFECTIVE KERNEL)")));
  for (const auto& line : lines) CHECK(line.size() <= 80);
  CHECK(lines[0].find("KIND") == 17);
  CHECK(lines[0].find("STATUS") == 22);
  CHECK(lines[0].find("CVES") == 41);
  CHECK(lines[0].find("EFFECTIVE KERNEL") == 46);
  // Rows sorted by name; no colour codes when not on a terminal.
  // CVES: unknown ("-"), never 0, for a kernel no bundle targets.
  CHECK(std::regex_match(lines[3], std::regex(R"(web-1 +kvm +agent_silent +- +-)")));
  CHECK(table.output.find('\033') == std::string::npos);

  auto guest = cli(hostd, {"guest", "web-1"});
  REQUIRE(guest.succeeded());
  CHECK_THAT(guest.output, Catch::Contains("status:           agent_silent"));
  CHECK_THAT(guest.output, Catch::Contains(kWebUuid));
  CHECK_THAT(guest.output, Catch::Contains("CVEs:             unknown"));
  CHECK_THAT(guest.output, !Catch::Contains("CVEs fixed"));
  auto guest_json = cli(hostd, {"guest", "web-1", "--json"});
  REQUIRE(guest_json.succeeded());
  CHECK(Json::parse(guest_json.output) ==
        http_get(hostd.port(), std::string("/api/v1/guests/") + kWebUuid).json());
  auto missing = cli(hostd, {"guest", "nobody"});
  CHECK_FALSE(missing.succeeded());
  CHECK_THAT(missing.output, Catch::Contains("[unknown_guest]"));

  auto uname = cli(hostd, {"uname"});
  REQUIRE(uname.succeeded());
  CHECK(uname.output ==
        http_get(hostd.port(), "/api/v1/host").json()["effective_kernel"].get<std::string>() +
            "\n");

  auto status = cli(hostd, {"status"});
  REQUIRE(status.succeeded());
  CHECK_THAT(status.output, Catch::Contains("coverage: 3 kernels"));
  CHECK_THAT(status.output, Catch::Contains("0 CVEs open (unknown on 3 kernels"));
  CHECK_THAT(status.output, Catch::Contains("guest directory: test://"));
  CHECK_THAT(status.output, Catch::Contains(" connected since "));
  CHECK_THAT(status.output, Catch::Contains("1 agent_silent"));
  CHECK_THAT(status.output,
             Catch::Contains("dashboard: http://127.0.0.1:" + std::to_string(hostd.port()) + "/"));
  auto rollout = cli(hostd, {"rollout", "status", "--json"});
  REQUIRE(rollout.succeeded());
  CHECK(Json::parse(rollout.output)["paused"] == false);
}

TEST_CASE("hostd refuses to serve the API with a token file others can read, and keeps running") {
  ApiHostd hostd(0644);
  INFO("hostd log:\n" << file_tail(hostd.log()));
  for (int i = 0;
       i < 100 && file_tail(hostd.log()).find("HTTP API not started") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK_THAT(file_tail(hostd.log()), Catch::Contains("token_file_unsafe"));
  CHECK(http_get(hostd.port(), "/api/v1/guests").status == 0);  // nothing listens
  auto status = cli(hostd, {"status"});
  REQUIRE(status.succeeded());  // the control socket still answers
  CHECK_THAT(status.output, Catch::Contains("dashboard: off"));
  CHECK_THAT(status.output, Catch::Contains("chmod 600"));
}
