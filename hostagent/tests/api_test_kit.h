// A real hotsplice-hostd for the API, metrics and CLI tests: its own temp dir, a free port,
// a root-only token file, a dashboard directory, and guests from libvirt's own test driver
// (test:///<file>.xml — real libvirt, no daemon and no QEMU): web-1 has the hotsplice channel
// but no agent behind it (agent_silent), a guest with a hostile name has no channel
// (no_channel), off-1 is shut off (unknown).
#pragma once

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include "core/base/file_io.h"
#include "core/base/json_reader.h"
#include "hostagent/tests/hostd_process.h"
#include "hostagent/tests/http_client.h"
#include "tests/support/temp_dir.h"

namespace hotsplice::hostd::testing {

inline constexpr char kApiToken[] = "test-token-0123456789abcdef";
// libvirt refuses '/' in a name; everything else a browser or a scraper could trip on is here.
inline constexpr char kHostileName[] = "<img src=x onerror=alert(1)>\"\\";
inline constexpr char kWebUuid[] = "6695eb01-f6a4-8304-79aa-97f2502e1930";

inline std::string libvirt_test_domains(const std::filesystem::path& channel) {
  auto domain = [](const std::string& name, const std::string& uuid, const std::string& extra) {
    return "<domain type='test' xmlns:test='http://libvirt.org/schemas/domain/test/1.0'><name>" +
           name + "</name><uuid>" + uuid +
           "</uuid><memory>65536</memory><vcpu>1</vcpu><os><type>hvm</type></os>" + extra +
           "</domain>";
  };
  return "<node>" +
         domain("web-1", kWebUuid,
                "<devices><channel type='unix'><source mode='bind' path='" + channel.string() +
                    "'/><target type='virtio' name='org.hotsplice.agent.0'/></channel></devices>") +
         domain("&lt;img src=x onerror=alert(1)&gt;&quot;\\",
                "6695eb01-f6a4-8304-79aa-97f2502e1931", "") +
         domain("off-1", "6695eb01-f6a4-8304-79aa-97f2502e1932",
                "<test:runstate>5</test:runstate>") +
         "</node>";
}

class ApiHostd {
 public:
  explicit ApiHostd(mode_t token_mode = 0600) : port_(free_port()) {
    std::filesystem::create_directories(dir_ / "repo");
    std::filesystem::create_directories(dir_ / "keys");
    auto token = dir_.write("api-token", std::string(kApiToken) + "\n");
    ::chmod(token.c_str(), token_mode);
    dir_.write("dashboard/index.html", "<!doctype html><title>hotsplice</title>\n");
    dir_.write("dashboard/app.js", "\"use strict\";\n");
    dir_.write("dashboard/app.css", "body{}\n");
    dir_.write("secret.txt", "outside the dashboard\n");
    std::filesystem::create_symlink(dir_ / "secret.txt", dir_ / "dashboard" / "link.txt");
    auto domains = dir_.write("domains.xml", libvirt_test_domains(dir_ / "web-1.sock"));
    Json config = {
        {"state_dir", (dir_ / "state").string()},
        {"control_socket", socket().string()},
        {"keys_dir", (dir_ / "keys").string()},
        {"libvirt", {{"uri", "test://" + domains.string()}, {"reconnect_interval_seconds", 1}}},
        {"repository",
         {{"directory", (dir_ / "repo").string()}, {"cache_dir", (dir_ / "cache").string()}}},
        {"timeouts", {{"handshake_seconds", 2}, {"retry_seconds", 60}}},
        {"http",
         {{"listen", "127.0.0.1:" + std::to_string(port_)},
          {"token_file", token.string()},
          {"dashboard_dir", (dir_ / "dashboard").string()}}},
        {"log_level", "debug"}};
    auto config_path = dir_.write("hostd.json", config.dump());
    process_.emplace(config_path, log(), std::vector<std::string>{});
  }

  std::uint16_t port() const { return port_; }
  const hotsplice::testing::TempDir& dir() const { return dir_; }
  std::filesystem::path socket() const { return dir_ / "run" / "hostd.sock"; }
  std::filesystem::path log() const { return dir_ / "hostd.log"; }
  HostdProcess& process() { return *process_; }

  // Waits until the guests answer lists web-1 agent_silent, the hostile one no_channel and
  // off-1 unknown (hostd has connected, listed them and tried web-1's channel).
  bool wait_settled(std::chrono::seconds limit = std::chrono::seconds(30)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      auto answer = http_get(port_, "/api/v1/guests");
      if (answer.status == 200) {
        std::map<std::string, std::string> statuses;
        for (const auto& g : answer.json()["guests"]) {
          statuses[g["name"].get<std::string>()] = g["status"].get<std::string>();
        }
        if (statuses["web-1"] == "agent_silent" && statuses[kHostileName] == "no_channel" &&
            statuses["off-1"] == "unknown") {
          return true;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  }

 private:
  hotsplice::testing::TempDir dir_;
  std::uint16_t port_;
  std::optional<HostdProcess> process_;
};

}  // namespace hotsplice::hostd::testing
