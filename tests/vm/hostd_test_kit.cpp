#include "tests/vm/hostd_test_kit.h"

#include <signal.h>

#include <catch2/catch.hpp>
#include <thread>

#include "core/base/file_io.h"
#include "core/base/subprocess.h"
#include "hostagent/control_client.h"
#include "tests/vm/require_ok.h"

namespace hotsplice::vm {
namespace fs = std::filesystem;

HostdUnderTest::HostdUnderTest(fs::path work_dir, const Ed25519PrivateKey& key)
    : work_(std::move(work_dir)),
      key_file_(work_ / "signing.key"),
      config_(work_ / "hostd.json"),
      socket_(work_ / "hostd.sock"),
      log_(work_ / "hostd.log") {
  for (const char* dir : {"repository", "keys.d", "state", "staging"})
    fs::create_directories(work_ / dir);
  require_ok(write_file_atomically(key_file_, key.to_pem(), 0600));
  require_ok(write_file_atomically(work_ / "keys.d/test.pub", key.public_key().to_pem()));
}

HostdUnderTest::~HostdUnderTest() {
  if (process_) process_->stop(std::chrono::seconds(5));
}

void HostdUnderTest::publish(const std::vector<fs::path>& bundles) {
  std::vector<std::string> argv = {
      HOTSPLICE_CLI_BINARY, "repo", "add", "--repo", (work_ / "repository").string(), "--key",
      key_file_.string()};
  for (const auto& bundle : bundles) argv.push_back(bundle.string());
  require_ok(run_checked(SubprocessSpec(argv)));
}

void HostdUnderTest::configure(const HostdSettings& settings) {
  Json config = {{"libvirt",
                  {{"uri", "qemu:///system"},
                   {"hotplug_channel", settings.hotplug_channel},
                   {"reconnect_interval_seconds", 1}}},
                 {"repository",
                  {{"directory", (work_ / "repository").string()},
                   {"cache_dir", (work_ / "state/repository").string()},
                   {"poll_interval_seconds", 10},
                   {"poll_jitter_percent", 0}}},
                 {"state_dir", (work_ / "state").string()},
                 {"database", (work_ / "state/hostd.db").string()},
                 {"keys_dir", (work_ / "keys.d").string()},
                 {"control_socket", socket_.string()},
                 {"rollout",
                  {{"policy", settings.automatic ? "automatic" : "manual"},
                   {"canary_count", settings.canary_count},
                   {"canary_wait_seconds", settings.canary_wait_seconds},
                   {"concurrency", settings.concurrency}}},
                 {"timeouts", {{"retry_seconds", 2}, {"recheck_seconds", 10}}},
                 // Its own free port: never 9470, which a developer's hostd may hold.
                 {"http", {{"listen", "127.0.0.1:0"}}},
                 {"log_level", "debug"}};
  require_ok(write_file_atomically(config_, config.dump(2) + "\n"));
}

void HostdUnderTest::start() {
  REQUIRE_FALSE(process_.has_value());
  process_ =
      require_ok(ChildProcess::spawn({HOTSPLICE_HOSTD_BINARY, "--config", config_.string()}, log_));
  // Up when the control socket answers.
  wait_until(
      "the control socket to answer", [](const Json&) { return true; },
      Deadline::after(std::chrono::seconds(30)));
}

void HostdUnderTest::reload() {
  REQUIRE(process_.has_value());
  REQUIRE(::kill(process_->pid(), SIGHUP) == 0);
}

void HostdUnderTest::kill_hard() {
  REQUIRE(process_.has_value());
  ::kill(process_->pid(), SIGKILL);
  process_->wait_until(Deadline::after(std::chrono::seconds(10)));
  process_.reset();
}

void HostdUnderTest::stop() {
  REQUIRE(process_.has_value());
  REQUIRE(::kill(process_->pid(), SIGTERM) == 0);
  auto status = process_->wait_until(Deadline::after(std::chrono::seconds(30)));
  INFO("hostd log:\n" << file_tail(log_, 8192));
  REQUIRE(status.has_value());
  CHECK(describe_wait_status(*status) == "exited with status 0");
  process_.reset();
}

pid_t HostdUnderTest::pid() const {
  return process_ ? process_->pid() : -1;
}

long HostdUnderTest::rss_kib() const {
  auto status = read_file("/proc/" + std::to_string(pid()) + "/status", 64 * 1024);
  if (!status) return -1;
  auto at = status->find("VmRSS:");
  if (at == std::string::npos) return -1;
  return std::strtol(status->c_str() + at + 6, nullptr, 10);
}

Expected<Json> HostdUnderTest::guests() const {
  hostd::ControlRequest request;
  request.command = hostd::ControlCommand::guests;
  return hostd::call_hostd(socket_, request, std::chrono::seconds(10));
}

const Json& HostdUnderTest::records(const Json& answer) {
  static const Json kNone = Json::array();
  if (!answer.is_object() || !answer.contains("guests") || !answer["guests"].is_array())
    return kNone;
  return answer["guests"];
}

std::optional<Json> HostdUnderTest::guest(const std::string& name) const {
  auto all = guests();
  if (!all) return std::nullopt;
  for (const auto& record : records(*all)) {
    if (record.value("name", "") == name) return record;
  }
  return std::nullopt;
}

std::string HostdUnderTest::status_of(const std::string& name) const {
  auto record = guest(name);
  return record ? record->value("status", "") : "";
}

Json HostdUnderTest::wait_until(const std::string& what,
                                const std::function<bool(const Json&)>& done,
                                const Deadline& deadline) const {
  std::string last = "(no answer yet)";
  while (true) {
    if (auto all = guests()) {
      last = all->dump(1);
      if (done(*all)) return *all;
    } else {
      last = all.error().message();
    }
    if (deadline.expired()) {
      FAIL("timed out waiting for " << what << "; last answer: " << last << "\nhostd log:\n"
                                    << file_tail(log_, 12000));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

Json HostdUnderTest::wait_for_statuses(
    const std::vector<std::pair<std::string, std::string>>& expected,
    const Deadline& deadline) const {
  std::string what;
  for (const auto& [name, status] : expected) what += name + "=" + status + " ";
  return wait_until(
      what,
      [&](const Json& all) {
        for (const auto& [name, status] : expected) {
          bool found = false;
          for (const auto& record : records(all)) {
            if (record.value("name", "") == name && record.value("status", "") == status)
              found = true;
          }
          if (!found) return false;
        }
        return true;
      },
      deadline);
}

}  // namespace hotsplice::vm
