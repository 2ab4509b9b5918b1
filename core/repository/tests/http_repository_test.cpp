// The repository over real HTTP: a real nginx serves a repository directory written by the
// real writer, syncs go directly and through a real tinyproxy, and the faults a client
// meets on the way (replayed and expired indexes, cut and wrong files, a body cut short in
// transit, a trickling server, error statuses, TLS) are produced for real. Only 127.0.0.1
// is ever contacted. Label: http.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <thread>

#include "core/base/file_io.h"
#include "core/base/subprocess.h"
#include "core/repository/error_codes.h"
#include "core/repository/http_source.h"
#include "core/repository/repository_cache.h"
#include "core/repository/tests/repository_fixture.h"
#include "tests/servers/local_servers.h"

namespace repo = hotsplice::repository;
namespace errc = hotsplice::repository::errc;
using hotsplice::testing::LocalNginx;
using hotsplice::testing::LocalTinyproxy;
using hotsplice::testing::TempDir;
using repo::testing::kTestNow;
using repo::testing::newest_kernel;
using repo::testing::older_kernel;
using repo::testing::Publisher;

namespace {

#define SKIP_WITHOUT_SERVERS()                                     \
  if (auto missing = hotsplice::testing::missing_http_servers()) { \
    WARN("SKIPPED: " << *missing);                                 \
    return;                                                        \
  }

std::chrono::system_clock::time_point at(repo::Seconds time) {
  return std::chrono::system_clock::time_point(time);
}

template <typename T>
T started(hotsplice::Expected<T> server) {
  INFO((server ? "" : server.error().message()));
  REQUIRE(server);
  return std::move(*server);
}

repo::RepositoryCache open_cache(const std::filesystem::path& directory,
                                 const Publisher& publisher) {
  auto cache = repo::RepositoryCache::open(directory, publisher.trusted_keys());
  REQUIRE(cache);
  return std::move(*cache);
}

repo::SyncReport sync_ok(repo::RepositoryCache& cache, repo::RepositorySource& source) {
  auto report = cache.sync(source, at(kTestNow));
  INFO((report ? "" : report.error().message()));
  REQUIRE(report);
  return *report;
}

hotsplice::Error sync_error(repo::RepositoryCache& cache, repo::RepositorySource& source) {
  auto report = cache.sync(source, at(kTestNow));
  REQUIRE_FALSE(report);
  return report.error();
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t found = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++found;
  }
  return found;
}

// Proxy variables of the environment the test runs in must not steer the direct syncs.
void clear_proxy_environment() {
  for (const char* name : {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy",
                           "ALL_PROXY", "no_proxy", "NO_PROXY"}) {
    ::unsetenv(name);
  }
}

}  // namespace

TEST_CASE("sync over HTTP, directly and through tinyproxy (option and environment)") {
  SKIP_WITHOUT_SERVERS();
  clear_proxy_environment();
  Publisher publisher;
  publisher.add("hs-new-1", newest_kernel());
  publisher.add("hs-old-1", older_kernel());
  publisher.publish();
  auto nginx = started(LocalNginx::start(publisher.temp().path(), publisher.repo()));
  auto proxy = started(LocalTinyproxy::start(publisher.temp().path()));
  const std::vector<std::string> ids{"hs-new-1", "hs-old-1"};

  TempDir direct_dir;
  auto direct = open_cache(direct_dir.path(), publisher);
  repo::HttpSource direct_source(nginx.url());
  CHECK(sync_ok(direct, direct_source).added == ids);
  CHECK(direct.bundles_for(newest_kernel()).size() == 1);
  CHECK(count(nginx.access_log(), "GET /index.json HTTP/1.1 status=200 via=\"-\"") == 1);
  CHECK(count(proxy.log(), "GET http://") == 0);

  TempDir proxied_dir;
  auto proxied = open_cache(proxied_dir.path(), publisher);
  repo::HttpOptions options;
  options.proxy = proxy.url();
  repo::HttpSource proxied_source(nginx.url(), options);
  CHECK(sync_ok(proxied, proxied_source).added == ids);
  // Both ends saw it: tinyproxy logged the requests, and nginx got them with its Via header.
  for (const char* file : {"/index.json", "/index.sig", "/hs-new-1.hsb", "/hs-old-1.hsb"}) {
    CHECK(count(proxy.log(), "GET " + nginx.url() + file + " HTTP/1.1") == 1);
  }
  CHECK(count(nginx.access_log(), "GET /index.json HTTP/1.1 status=200 via=\"1.1 ") == 1);
  CHECK(count(nginx.access_log(), "(tinyproxy/") == 4);

  TempDir environment_dir;
  auto through_environment = open_cache(environment_dir.path(), publisher);
  ::setenv("http_proxy", proxy.url().c_str(), 1);
  repo::HttpSource environment_source(nginx.url());
  CHECK(sync_ok(through_environment, environment_source).added == ids);
  clear_proxy_environment();
  CHECK(count(proxy.log(), "GET " + nginx.url() + "/index.json HTTP/1.1") == 2);
  CHECK(count(nginx.access_log(), "(tinyproxy/") == 8);
}

TEST_CASE("over HTTP a replayed older index and an expired index are refused") {
  SKIP_WITHOUT_SERVERS();
  clear_proxy_environment();
  Publisher publisher;
  publisher.add("hs-new-1", newest_kernel());
  publisher.publish();
  auto v1_json = hotsplice::read_file(publisher.repo() / "index.json", 1 << 20);
  auto v1_sig = hotsplice::read_file(publisher.repo() / "index.sig", 4096);
  publisher.add("hs-new-2", newest_kernel());
  publisher.publish();
  auto v2_json = hotsplice::read_file(publisher.repo() / "index.json", 1 << 20);
  auto nginx = started(LocalNginx::start(publisher.temp().path(), publisher.repo()));
  repo::HttpSource source(nginx.url());
  TempDir cache_dir;
  auto cache = open_cache(cache_dir.path(), publisher);
  CHECK(sync_ok(cache, source).index_version == 2);

  REQUIRE(hotsplice::write_file_atomically(publisher.repo() / "index.json", *v1_json));
  REQUIRE(hotsplice::write_file_atomically(publisher.repo() / "index.sig", *v1_sig));
  hotsplice::Error replayed = sync_error(cache, source);
  CHECK(replayed.code() == errc::kIndexReplayed);
  CHECK(replayed.message() == "repository " + nginx.url() +
                                  ": the repository serves index version 1, older than version 2 "
                                  "accepted before: a mirror is replaying an old index");

  // The publisher's next index (version 3), but signed 31 days ago for 30 days.
  REQUIRE(hotsplice::write_file_atomically(publisher.repo() / "index.json", *v2_json));
  publisher.publish(kTestNow - std::chrono::days(31), std::chrono::days(30));
  hotsplice::Error expired = sync_error(cache, source);
  CHECK(expired.code() == errc::kIndexExpired);
  CHECK(expired.message() == "repository " + nginx.url() +
                                 ": index version 3 expired at 2026-11-29T05:00:00Z (now "
                                 "2026-11-30T05:00:00Z): the repository or its mirror is not "
                                 "being updated");
  CHECK(cache.highest_version() == 2);
  CHECK(cache.available().size() == 2);
}

TEST_CASE("over HTTP a truncated and a wrong bundle are quarantined, a good one offered") {
  SKIP_WITHOUT_SERVERS();
  clear_proxy_environment();
  Publisher publisher;
  publisher.add("hs-good", newest_kernel());
  publisher.add("hs-cut", newest_kernel());
  publisher.add("hs-wrong", newest_kernel());
  publisher.publish();
  auto cut = *hotsplice::read_file(publisher.repo() / "hs-cut.hsb", 1 << 20);
  REQUIRE(hotsplice::write_file_atomically(publisher.repo() / "hs-cut.hsb",
                                           cut.substr(0, cut.size() / 2)));
  // Same size, other content: another key's bundle with the same id and target.
  Publisher stranger;
  auto wrong = *hotsplice::read_file(publisher.repo() / "hs-wrong.hsb", 1 << 20);
  std::string impostor = stranger.bundle("hs-wrong", newest_kernel());
  REQUIRE(impostor.size() == wrong.size());
  REQUIRE(hotsplice::write_file_atomically(publisher.repo() / "hs-wrong.hsb", impostor));
  auto nginx = started(LocalNginx::start(publisher.temp().path(), publisher.repo()));
  repo::HttpSource source(nginx.url());
  TempDir cache_dir;
  auto cache = open_cache(cache_dir.path(), publisher);
  repo::SyncReport report = sync_ok(cache, source);
  CHECK(report.added == std::vector<std::string>{"hs-good"});
  REQUIRE(report.quarantined.size() == 2);
  CHECK(report.quarantined[0].id == "hs-cut");
  CHECK(report.quarantined[0].error.code() == errc::kBundleSizeMismatch);
  CHECK_THAT(report.quarantined[0].error.message(), Catch::EndsWith("(truncated)"));
  CHECK(report.quarantined[1].id == "hs-wrong");
  CHECK(report.quarantined[1].error.code() == errc::kBundleSha256Mismatch);
  for (const auto& quarantined : report.quarantined) {
    CHECK(std::filesystem::exists(cache_dir / "quarantine" / quarantined.file));
  }
  CHECK(cache.available().size() == 1);
  CHECK(cache.bundles_for(newest_kernel()).size() == 1);
}

TEST_CASE(
    "a body cut short in transit is download_truncated, and retried rather than quarantined") {
  SKIP_WITHOUT_SERVERS();
  clear_proxy_environment();
  TempDir dir;
  std::string content(512 * 1024, 'x');
  auto big = dir.write("www/big.bin", content);
  // 64 KiB/s: the transfer is still running when the file shrinks under nginx, which then
  // closes the connection before the Content-Length it announced.
  auto nginx = started(LocalNginx::start(dir.path(), dir / "www",
                                         {"location / { limit_rate 65536; }", std::nullopt}));
  repo::HttpSource source(nginx.url());
  std::optional<hotsplice::Expected<std::string>> result;
  std::thread fetcher([&] { result.emplace(source.fetch("big.bin", 1 << 20)); });
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  std::filesystem::resize_file(big, 1000);
  fetcher.join();
  REQUIRE(result.has_value());
  REQUIRE_FALSE(*result);
  CHECK(result->error().code() == errc::kDownloadTruncated);
  CHECK_THAT(result->error().message(),
             Catch::StartsWith("GET " + nginx.url() + "/big.bin: the connection closed after "));
}

TEST_CASE("a trickling server hits the low-speed limit and the total timeout") {
  SKIP_WITHOUT_SERVERS();
  clear_proxy_environment();
  Publisher publisher;
  publisher.add("hs-new-1", newest_kernel());
  publisher.publish();
  auto nginx = started(LocalNginx::start(
      publisher.temp().path(), publisher.repo(),
      {"location /slow/ { alias " + publisher.repo().string() + "/; limit_rate 50; }",
       std::nullopt}));
  TempDir cache_dir;
  auto cache = open_cache(cache_dir.path(), publisher);

  repo::HttpOptions low_speed;
  low_speed.low_speed_bytes = 1000;
  low_speed.low_speed_time = std::chrono::seconds(2);
  repo::HttpSource trickling(nginx.url() + "/slow", low_speed);
  hotsplice::Error slow = sync_error(cache, trickling);
  CHECK(slow.code() == errc::kDownloadTimeout);
  CHECK_THAT(slow.message(), Catch::Contains("GET " + nginx.url() + "/slow/index.json"));
  CHECK_THAT(slow.message(), Catch::Contains("at least 1000 bytes/s over any 2 s"));

  repo::HttpOptions total;
  total.total_timeout = std::chrono::seconds(2);
  repo::HttpSource capped(nginx.url() + "/slow", total);
  CHECK(sync_error(cache, capped).code() == errc::kDownloadTimeout);
  CHECK(cache.highest_version() == 0);  // nothing was accepted from half an index
}

TEST_CASE("HTTP status, byte cap, refused connection and bad URL errors are named") {
  SKIP_WITHOUT_SERVERS();
  clear_proxy_environment();
  TempDir dir;
  dir.write("www/index.json", std::string(5000, ' '));
  auto nginx = started(LocalNginx::start(dir.path(), dir / "www",
                                         {"location /broken/ { return 503; }", std::nullopt}));
  repo::HttpSource source(nginx.url());
  auto missing = source.fetch("absent.hsb", 1000);
  CHECK(missing.error().code() == errc::kNotFound);
  CHECK(missing.error().message() ==
        "GET " + nginx.url() + "/absent.hsb: HTTP 404, no such file in the repository");
  auto broken = repo::HttpSource(nginx.url() + "/broken").fetch("index.json", 1000);
  CHECK(broken.error().code() == errc::kHttpStatus);
  CHECK_THAT(broken.error().message(), Catch::EndsWith(": HTTP status 503"));
  auto too_large = source.fetch("index.json", 4999);
  CHECK(too_large.error().code() == errc::kDownloadTooLarge);
  CHECK_THAT(too_large.error().message(), Catch::Contains("more than the limit of 4999 bytes"));
  repo::HttpOptions small;
  small.max_bytes = 100;  // the source's own cap wins over a larger request
  CHECK(repo::HttpSource(nginx.url(), small).fetch("index.json", 1 << 20).error().code() ==
        errc::kDownloadTooLarge);
  CHECK(source.fetch("index.json", 5000)->size() == 5000);
  CHECK(source.fetch("../etc/passwd", 5000).error().code() == errc::kInvalidName);
  CHECK(repo::HttpSource("ftp://127.0.0.1/").fetch("index.json", 10).error().code() ==
        errc::kInvalidUrl);
  int port = nginx.port();
  { auto moved = std::move(nginx); }  // stopped: nothing listens on the port now
  auto refused =
      repo::HttpSource("http://127.0.0.1:" + std::to_string(port)).fetch("index.json", 10);
  CHECK(refused.error().code() == errc::kFetchFailed);
}

TEST_CASE("HTTPS verifies the server: refused with the system CAs, accepted with its CA file") {
  SKIP_WITHOUT_SERVERS();
  clear_proxy_environment();
  Publisher publisher;
  publisher.add("hs-new-1", newest_kernel());
  publisher.publish();
  auto cert = publisher.temp() / "cert.pem";
  auto key = publisher.temp() / "key.pem";
  auto made = hotsplice::run_checked(hotsplice::SubprocessSpec(
      {"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
       "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key.string(), "-out",
       cert.string()}));
  INFO((made ? "" : made.error().message()));
  REQUIRE(made);
  auto nginx = started(
      LocalNginx::start(publisher.temp().path(), publisher.repo(), {"", std::pair{cert, key}}));
  REQUIRE(nginx.url().starts_with("https://127.0.0.1:"));
  TempDir cache_dir;
  auto cache = open_cache(cache_dir.path(), publisher);

  repo::HttpSource untrusted(nginx.url());
  hotsplice::Error refused = sync_error(cache, untrusted);
  CHECK(refused.code() == errc::kFetchFailed);
  CHECK_THAT(refused.message(), Catch::Contains("certificate"));

  repo::HttpOptions options;
  options.ca_file = cert.string();
  repo::HttpSource trusted(nginx.url(), options);
  CHECK(sync_ok(cache, trusted).added == std::vector<std::string>{"hs-new-1"});
}
