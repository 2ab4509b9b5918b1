#include <catch2/catch.hpp>

#include "hostagent/config.h"
#include "hostagent/error_codes.h"
#include "tests/support/temp_dir.h"

using namespace hotsplice;
using namespace hotsplice::hostd;

namespace {

// The error's message for a document that must be refused.
std::string refusal(std::string_view text) {
  auto config = parse_config(text);
  REQUIRE_FALSE(config);
  CHECK(config.error().code() == errc::kConfigInvalid);
  return config.error().message();
}

}  // namespace

TEST_CASE("an empty object gives every documented default") {
  auto config = parse_config("{}");
  REQUIRE(config);
  CHECK(config->libvirt_uri == "qemu:///system");
  CHECK(config->channel_name == "org.hotsplice.agent.0");
  CHECK_FALSE(config->hotplug_channel);
  CHECK(config->database == "/var/lib/hotsplice/hostd.db");
  CHECK(config->control_socket == "/run/hotsplice/hostd.sock");
  CHECK(config->keys_dir == "/etc/hotsplice/keys.d");
  CHECK(config->rollout.policy == RolloutPolicy::automatic);
  CHECK(config->rollout.canary_count == 1);
  CHECK(config->rollout.concurrency == 4);
  CHECK(config->timeouts.apply == std::chrono::seconds(90));
  CHECK(config->log_level == LogLevel::info);
  CHECK(*config == HostdConfig{});
}

TEST_CASE("every key is read") {
  auto config = parse_config(R"({
    "libvirt": {"uri": "qemu+ssh://h/system", "channel_name": "org.x.0", "hotplug_channel": true,
                "reconnect_interval_seconds": 9},
    "repository": {"url": "https://mirror.example/hs", "proxy": "http://proxy:3128",
                   "ca_file": "/etc/ssl/ca.pem", "cache_dir": "/srv/cache",
                   "poll_interval_seconds": 600, "poll_jitter_percent": 20},
    "state_dir": "/srv/hs",
    "keys_dir": "/srv/keys",
    "control_socket": "/tmp/hs.sock",
    "rollout": {"policy": "manual", "canary_percent": 10, "canary_wait_seconds": 30,
                "concurrency": 2, "pins": {"web1": "hs-1", "db1": ""}},
    "timeouts": {"handshake_seconds": 5, "transfer_seconds": 60, "apply_seconds": 45,
                 "io_seconds": 7, "retry_seconds": 3, "recheck_seconds": 60},
    "log_level": "debug"})");
  REQUIRE(config);
  CHECK(config->libvirt_uri == "qemu+ssh://h/system");
  CHECK(config->hotplug_channel);
  CHECK(config->reconnect_interval == std::chrono::seconds(9));
  CHECK(config->repository.url == "https://mirror.example/hs");
  CHECK(config->repository.proxy == "http://proxy:3128");
  CHECK(config->repository.poll_jitter_percent == 20);
  CHECK(config->database == "/srv/hs/hostd.db");        // follows state_dir unless given
  CHECK(config->repository.cache_dir == "/srv/cache");  // named: kept
  CHECK(config->rollout.policy == RolloutPolicy::manual);
  CHECK(config->rollout.canary_count == 0);
  CHECK(config->rollout.canary_percent == 10);
  CHECK(config->rollout.pins.at("web1") == "hs-1");
  CHECK(config->rollout.pins.at("db1") == "");
  CHECK(config->timeouts.io == std::chrono::seconds(7));
  CHECK(config->log_level == LogLevel::debug);
}

TEST_CASE("the repository cache follows state_dir like the database unless named") {
  auto defaults = parse_config("{}");
  REQUIRE(defaults);
  CHECK(defaults->repository.cache_dir == "/var/lib/hotsplice/repository");
  auto moved = parse_config(R"({"state_dir": "/srv/hs", "repository": {"directory": "/srv/r"}})");
  REQUIRE(moved);
  CHECK(moved->repository.cache_dir == "/srv/hs/repository");
  CHECK(moved->database == "/srv/hs/hostd.db");
  CHECK(moved->host.state_dir == "/srv/hs/host");
  auto named = parse_config(R"({"state_dir": "/srv/hs", "repository": {"cache_dir": "/c"}})");
  REQUIRE(named);
  CHECK(named->repository.cache_dir == "/c");
}

TEST_CASE("malformed configs are refused naming what is wrong") {
  CHECK_THAT(refusal("{"), Catch::Contains("hostd config"));
  CHECK_THAT(refusal("[]"), Catch::Contains("config"));
  CHECK_THAT(refusal(R"({"libvirt_uri": "x"})"), Catch::Contains("libvirt_uri"));
  CHECK_THAT(refusal(R"({"libvirt": {"urii": "x"}})"), Catch::Contains("urii"));
  CHECK_THAT(refusal(R"({"rollout": {"policy": "yolo"}})"), Catch::Contains("policy"));
  CHECK_THAT(refusal(R"({"rollout": {"concurrency": 0}})"), Catch::Contains("concurrency"));
  CHECK_THAT(refusal(R"({"rollout": {"canary_count": 1, "canary_percent": 5}})"),
             Catch::Contains("canary_percent"));
  CHECK_THAT(refusal(R"({"rollout": {"canary_percent": 101}})"), Catch::Contains("canary_percent"));
  CHECK_THAT(refusal(R"({"rollout": {"pins": {"a": 3}}})"), Catch::Contains("pins"));
  CHECK_THAT(refusal(R"({"timeouts": {"apply_seconds": 20}})"), Catch::Contains("apply_seconds"));
  CHECK_THAT(refusal(R"({"state_dir": "relative"})"), Catch::Contains("absolute"));
  CHECK_THAT(refusal(R"({"repository": {"directory": "/a", "url": "https://b"}})"),
             Catch::Contains("not both"));
  CHECK_THAT(refusal(R"({"repository": {"url": "ftp://b"}})"), Catch::Contains("http"));
  CHECK_THAT(refusal(R"({"log_level": "loud"})"), Catch::Contains("log_level"));
  CHECK(refusal(R"({"log_level": "loud"})").find("notice") != std::string::npos);
  CHECK_THAT(refusal(R"({"libvirt": {"hotplug_channel": "yes"}})"),
             Catch::Contains("hotplug_channel"));
}

TEST_CASE("liveness_seconds: every agent checked each minute by default, bounded to an hour") {
  auto defaults = parse_config("{}");
  REQUIRE(defaults);
  CHECK(defaults->timeouts.liveness == std::chrono::seconds(60));
  CHECK(defaults->timeouts.confirm_every() == std::chrono::seconds(60));
  auto set = parse_config(R"({"timeouts": {"liveness_seconds": 5}})");
  REQUIRE(set);
  CHECK(set->timeouts.confirm_every() == std::chrono::seconds(5));
  // An older config's shorter recheck still shortens the check; a longer one does not lengthen it.
  auto older = parse_config(R"({"timeouts": {"recheck_seconds": 10}})");
  REQUIRE(older);
  CHECK(older->timeouts.confirm_every() == std::chrono::seconds(10));
  auto longer = parse_config(R"({"timeouts": {"recheck_seconds": 86400}})");
  REQUIRE(longer);
  CHECK(longer->timeouts.confirm_every() == std::chrono::seconds(60));
  CHECK_THAT(refusal(R"({"timeouts": {"liveness_seconds": 0}})"),
             Catch::Contains("liveness_seconds"));
  CHECK_THAT(refusal(R"({"timeouts": {"liveness_seconds": 3601}})"),
             Catch::Contains("liveness_seconds"));
}

TEST_CASE("log_level takes every level of the shared daemon logger") {
  auto config = parse_config(R"({"log_level": "notice"})");
  REQUIRE(config);
  CHECK(config->log_level == LogLevel::notice);
}

TEST_CASE("load_config names the file it could not read") {
  hotsplice::testing::TempDir dir;
  auto missing = load_config(dir / "absent.json");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == errc::kConfigUnreadable);
  CHECK_THAT(missing.error().message(), Catch::Contains("absent.json"));
  auto bad = load_config(dir.write("bad.json", R"({"log_level": 3})"));
  REQUIRE_FALSE(bad);
  CHECK_THAT(bad.error().message(), Catch::Contains("bad.json"));
}
