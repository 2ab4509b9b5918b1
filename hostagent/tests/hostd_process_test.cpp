// hotsplice-hostd as a real child process with a temporary config: systemd's notify
// protocol (a real datagram socket as NOTIFY_SOCKET), the control socket, SIGHUP reload
// (a bad file refused, a good one taken), a second instance refused, SIGTERM exits 0.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <regex>
#include <thread>

#include "core/base/file_io.h"
#include "core/base/subprocess.h"
#include "core/base/unique_fd.h"
#include "hostagent/control_client.h"
#include "hostagent/error_codes.h"
#include "hostagent/tests/hostd_process.h"
#include "hostagent/tests/http_client.h"
#include "tests/support/temp_dir.h"

extern char** environ;

using namespace hotsplice;
using namespace hotsplice::hostd;
using hotsplice::hostd::testing::HostdProcess;
using hotsplice::testing::TempDir;

namespace {

// The receiving end of NOTIFY_SOCKET: collects the datagrams hostd sends.
class NotifySocket {
 public:
  explicit NotifySocket(const std::filesystem::path& path) : path_(path) {
    fd_ = UniqueFd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof address.sun_path - 1);
    REQUIRE(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  }
  // Waits until a message containing text arrived (true), or the deadline passed.
  bool wait_for(const std::string& text, std::chrono::seconds limit = std::chrono::seconds(20)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (received_.find(text) != std::string::npos) return true;
      pollfd p{fd_.get(), POLLIN, 0};
      if (::poll(&p, 1, 100) == 1) {
        char buffer[4096];
        ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, 0);
        if (n > 0) received_.append(buffer, static_cast<std::size_t>(n)).append("\n");
      }
    }
    return received_.find(text) != std::string::npos;
  }
  // Waits until at least n messages containing text arrived (true), or the deadline passed.
  bool wait_for_count(const std::string& text, std::size_t n, std::chrono::seconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (count(text) < n && std::chrono::steady_clock::now() < deadline) {
      wait_for("\x01never", std::chrono::seconds(1));
    }
    return count(text) >= n;
  }
  std::size_t count(const std::string& text) const {
    std::size_t n = 0;
    for (auto at = received_.find(text); at != std::string::npos; at = received_.find(text, at + 1))
      ++n;
    return n;
  }

 private:
  std::filesystem::path path_;
  UniqueFd fd_{-1};
  std::string received_;
};

// A config whose every path is under dir; libvirt at a socket where no libvirtd listens.
// host: the "host" section (absent: all defaults, i.e. auto-detect on this machine's /).
std::string config_text(const TempDir& dir, const std::string& policy, Json host = nullptr) {
  Json config = hotsplice::hostd::testing::unreachable_libvirt_config(dir.path());
  config["rollout"] = {{"policy", policy}};
  config["log_level"] = "debug";
  if (!host.is_null()) config["host"] = std::move(host);
  return config.dump();
}

// Polls every 100 ms until done() holds or the bound passes. A liveness bound, not a speed
// target: the suite runs this beside booting VMs on 2 cores.
bool eventually(const std::function<bool()>& done,
                std::chrono::seconds limit = std::chrono::seconds(60)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return true;
}

Expected<Json> ask(const TempDir& dir, ControlCommand command) {
  ControlRequest request;
  request.command = command;
  return call_hostd(dir / "run" / "hostd.sock", request, std::chrono::seconds(10));
}

// Every file of the state a hostd under dir keeps (the state directory with its database,
// the repository cache): path -> bytes. SQLite's -shm file is left out: it is shared memory
// the running hostd's own reads write to, not stored state.
std::map<std::string, std::string> state_snapshot(const TempDir& dir) {
  std::map<std::string, std::string> files;
  for (const auto& root : {dir / "state", dir / "cache"}) {
    std::error_code ec;
    if (!std::filesystem::exists(root, ec)) continue;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
      if (!entry.is_regular_file()) continue;
      if (entry.path().string().ends_with("-shm")) continue;
      auto bytes = read_file(entry.path(), 64u << 20);
      files[entry.path().string()] = bytes ? *bytes : "unreadable: " + bytes.error().message();
    }
  }
  return files;
}

}  // namespace

namespace {

std::string fixture(const std::string& name) {
  return std::string(HOTSPLICE_FIXTURES) + "/" + name;
}

// Polls status until ready(status) holds (10 s at most); the last answer either way.
Json wait_status(const TempDir& dir, const std::function<bool(const Json&)>& ready) {
  Json last;
  for (int i = 0; i < 200; ++i) {
    if (auto status = ask(dir, ControlCommand::status)) {
      last = *status;
      if (ready(last)) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return last;
}

}  // namespace

TEST_CASE("hostd runs as a service: notify, control socket, reload, single instance, stop") {
  TempDir dir;
  auto config = dir.write("hostd.json", config_text(dir, "automatic"));
  NotifySocket notify(dir / "notify.sock");
  auto log = dir / "hostd.log";
  HostdProcess hostd(config, log,
                     {"NOTIFY_SOCKET=" + (dir / "notify.sock").string(), "WATCHDOG_USEC=1000000"});
  INFO("hostd log:\n" << file_tail(log));
  REQUIRE(notify.wait_for("READY=1"));

  // The control socket is there, root-only, and answers.
  struct stat info {};
  REQUIRE(::stat((dir / "run" / "hostd.sock").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0600);
  auto status = ask(dir, ControlCommand::status);
  REQUIRE(status);
  CHECK((*status)["rollout"]["policy"] == "automatic");
  CHECK((*status)["pid"] == hostd.pid());
  auto guests = ask(dir, ControlCommand::guests);
  REQUIRE(guests);
  CHECK((*guests)["guests"].is_array());

  // No libvirtd: hostd keeps running, keeps retrying, and says so.
  eventually([&] {
    status = ask(dir, ControlCommand::status);
    return status && (*status)["guest_directory"]["why"] != "not connected yet";
  });
  REQUIRE(status);
  CHECK((*status)["guest_directory"]["connected"] == false);
  CHECK_THAT((*status)["guest_directory"]["why"].get<std::string>(),
             Catch::Contains("no-libvirtd.sock"));
  CHECK_THAT(file_tail(log), Catch::Contains("guest directory unreachable; retrying"));
  // The empty repository directory: the sync failed and status names why.
  eventually([&] {
    status = ask(dir, ControlCommand::status);
    return status && (*status)["repository"]["last_sync"].contains("ok");
  });
  REQUIRE(status);
  CHECK((*status)["repository"]["last_sync"]["ok"] == false);
  CHECK((*status)["repository"]["last_sync"]["code"] == "repository_not_found");
  auto cli = run_subprocess(SubprocessSpec(
      {HOTSPLICE_CLI_BINARY, "status", "--socket", (dir / "run" / "hostd.sock").string()}));
  REQUIRE(cli);
  CHECK(cli->succeeded());
  CHECK_THAT(cli->output, Catch::Contains("NOT connected"));
  CHECK_THAT(cli->output, Catch::Contains("last sync FAILED"));

  // Heartbeats at half of WATCHDOG_USEC.
  CHECK(notify.wait_for_count("WATCHDOG=1", 3, std::chrono::seconds(30)));

  // A second hostd on the same state refuses before it reads or writes anything: the
  // database and the repository cache stay byte-identical, the first one keeps serving.
  {
    const auto before = state_snapshot(dir);
    REQUIRE_FALSE(before.empty());
    HostdProcess second(config, dir / "second.log", {});
    int exit_status = second.wait_exit();
    REQUIRE(WIFEXITED(exit_status));
    CHECK(WEXITSTATUS(exit_status) == 1);
    INFO("second hostd's log:\n" << file_tail(dir / "second.log"));
    CHECK_THAT(file_tail(dir / "second.log"), Catch::Contains(errc::kAlreadyRunning));
    CHECK_THAT(file_tail(dir / "second.log"), Catch::Contains("hostd.lock"));
    CHECK(state_snapshot(dir) == before);
    REQUIRE(ask(dir, ControlCommand::status));
  }
  // Same state, another control socket: the state_dir lock alone refuses it (before it, such
  // a hostd started and shared the first one's database).
  {
    Json other = Json::parse(config_text(dir, "automatic"));
    other["control_socket"] = (dir / "run" / "other.sock").string();
    REQUIRE(write_file_atomically(dir / "other.json", other.dump()));
    const auto before = state_snapshot(dir);
    HostdProcess second(dir / "other.json", dir / "other.log", {});
    int exit_status = second.wait_exit();
    REQUIRE(WIFEXITED(exit_status));
    CHECK(WEXITSTATUS(exit_status) == 1);
    INFO("other hostd's log:\n" << file_tail(dir / "other.log"));
    CHECK_THAT(file_tail(dir / "other.log"), Catch::Contains(errc::kAlreadyRunning));
    CHECK(state_snapshot(dir) == before);
    CHECK_FALSE(std::filesystem::exists(dir / "run" / "other.sock"));
  }
  // SIGHUP with a broken file: refused with a log line, the running config kept.
  REQUIRE(write_file_atomically(config, R"({"rollout": {"policy": "sometimes"}})"));
  hostd.signal(SIGHUP);
  eventually([&] { return file_tail(log).find("config reload refused") != std::string::npos; });
  CHECK_THAT(file_tail(log), Catch::Contains("config reload refused"));
  CHECK_THAT(file_tail(log), Catch::Contains("policy"));
  status = ask(dir, ControlCommand::status);
  INFO("hostd log now:\n" << file_tail(log));
  INFO("status: " << (status ? std::string("ok")
                             : status.error().code() + ": " + status.error().message()));
  REQUIRE(status);
  CHECK((*status)["rollout"]["policy"] == "automatic");

  // SIGHUP with a good file: taken.
  REQUIRE(write_file_atomically(config, config_text(dir, "manual")));
  hostd.signal(SIGHUP);
  eventually([&] {
    status = ask(dir, ControlCommand::status);
    return status && (*status)["rollout"]["policy"] == "manual";
  });
  REQUIRE(status);
  CHECK((*status)["rollout"]["policy"] == "manual");

  // SIGTERM: STOPPING=1, exit status 0, control socket removed.
  hostd.signal(SIGTERM);
  int exit_status = hostd.wait_exit();
  REQUIRE(WIFEXITED(exit_status));
  CHECK(WEXITSTATUS(exit_status) == 0);
  CHECK(notify.wait_for("STOPPING=1"));
  CHECK_FALSE(std::filesystem::exists(dir / "run" / "hostd.sock"));
  auto after = ask(dir, ControlCommand::status);
  REQUIRE_FALSE(after);
  CHECK(after.error().code() == errc::kHostdNotRunning);
}

TEST_CASE("hostd refuses to start on a corrupt state database, saying which file") {
  TempDir dir;
  auto config = dir.write("hostd.json", config_text(dir, "automatic"));
  dir.write("state/hostd.db", std::string(4096, 'z'));
  HostdProcess hostd(config, dir / "hostd.log", {});
  int exit_status = hostd.wait_exit();
  REQUIRE(WIFEXITED(exit_status));
  CHECK(WEXITSTATUS(exit_status) == 1);
  CHECK_THAT(file_tail(dir / "hostd.log"), Catch::Contains("state_db_corrupt"));
  CHECK_THAT(file_tail(dir / "hostd.log"), Catch::Contains((dir / "state" / "hostd.db").string()));
}

TEST_CASE("hotsplice status says plainly that hostd is not running") {
  TempDir dir;
  auto result = run_subprocess(
      SubprocessSpec({HOTSPLICE_CLI_BINARY, "status", "--socket", (dir / "absent.sock").string()}));
  REQUIRE(result);
  CHECK_FALSE(result->succeeded());
  CHECK_THAT(result->output, Catch::Contains("hotsplice-hostd is not running"));
  CHECK_THAT(result->output, Catch::Contains("[hostd_not_running]"));
  // Global options may come before the command, too.
  auto before = run_subprocess(
      SubprocessSpec({HOTSPLICE_CLI_BINARY, "--socket", (dir / "absent.sock").string(), "status"}));
  REQUIRE(before);
  CHECK_FALSE(before->succeeded());
  CHECK_THAT(before->output, Catch::Contains("[hostd_not_running]"));
  CHECK_THAT(before->output, Catch::Contains((dir / "absent.sock").string()));
}

TEST_CASE("hostd --check-config runs a start's checks and says when the file is absent") {
  TempDir dir;
  auto check = [](std::vector<std::string> words) {
    words.insert(words.begin(), HOTSPLICE_HOSTD_BINARY);
    auto result = run_subprocess(SubprocessSpec(words));
    REQUIRE(result);
    return *result;
  };
  SECTION("a good file: OK, with a warning naming each key a start would run without") {
    auto config = dir.write("hostd.json", config_text(dir, "automatic"));
    auto token = dir.write("api-token", "test-token-0123456789abcdef\n");
    ::chmod(token.c_str(), 0600);
    auto result = check({"--config", config.string(), "--check-config"});
    INFO(result.output);
    CHECK(result.succeeded());
    // The fixture's keys directory is empty: a start runs, refusing every bundle.
    CHECK_THAT(result.output,
               Catch::Contains(config.string() + ": warning: keys_dir: " + (dir / "keys").string() +
                               " holds no trusted key (*.pub)"));
    CHECK_THAT(result.output, !Catch::Contains("http.token_file"));
    CHECK_THAT(result.output, !Catch::Contains("repository.directory"));
    CHECK_THAT(result.output, Catch::EndsWith(config.string() + ": OK, with 1 warning(s) above\n"));
  }
  SECTION("what a start accepts but degrades: OK, and each named by its key") {
    Json text = Json::parse(config_text(dir, "automatic"));
    text["keys_dir"] = (dir / "no-keys").string();
    text["repository"]["directory"] = (dir / "no-repo").string();
    auto config = dir.write("hostd.json", text.dump());
    auto token = dir.write("api-token", "test-token-0123456789abcdef\n");
    ::chmod(token.c_str(), 0644);
    auto result = check({"--config", config.string(), "--check-config"});
    INFO(result.output);
    CHECK(result.succeeded());
    CHECK_THAT(result.output, Catch::Contains("warning: keys_dir: " + (dir / "no-keys").string() +
                                              " does not exist"));
    CHECK_THAT(result.output, Catch::Contains("warning: repository.directory: " +
                                              (dir / "no-repo").string() + " does not exist"));
    CHECK_THAT(result.output, Catch::Contains("warning: http.token_file: ") &&
                                  Catch::Contains("the HTTP API will not start"));
    CHECK_THAT(result.output, Catch::Contains(": OK, with 3 warning(s) above"));
    // Nothing was created by the check.
    CHECK_FALSE(std::filesystem::exists(dir / "state"));
    CHECK_FALSE(std::filesystem::exists(dir / "cache"));
  }
  SECTION("host.patch_kernel on inside a shared-kernel container: refused as a start is") {
    Json host = {{"root", fixture("openvz/container-vz7")}, {"patch_kernel", "on"}};
    auto config = dir.write("hostd.json", config_text(dir, "automatic", host));
    auto result = check({"--config", config.string(), "--check-config"});
    INFO(result.output);
    CHECK_FALSE(result.succeeded());
    CHECK_THAT(result.output, Catch::Contains("[shared_kernel_container]"));
    CHECK_THAT(result.output, Catch::Contains("host.patch_kernel"));
    CHECK_THAT(result.output, !Catch::Contains(": OK"));
    auto start = check({"--config", config.string()});
    CHECK_FALSE(start.succeeded());
    CHECK_THAT(start.output, Catch::Contains("shared_kernel_container"));
  }
  SECTION("a file without a repository: the refusal a start gives, exit 1") {
    auto config = dir.write("hostd.json", "{}");
    auto result = check({"--config", config.string(), "--check-config"});
    CHECK_FALSE(result.succeeded());
    CHECK_THAT(result.output, Catch::Contains("config.repository: give a directory or a url"));
    CHECK_THAT(result.output, Catch::Contains("[config_invalid]"));
    CHECK_THAT(result.output, !Catch::Contains(": OK"));
    // A start is refused with the same words.
    auto start = check({"--config", config.string()});
    CHECK_FALSE(start.succeeded());
    CHECK_THAT(start.output, Catch::Contains("config.repository: give a directory or a url"));
  }
  SECTION("the default path absent: says absent, and that the defaults cannot start") {
    // Only when the machine has no /etc/hotsplice/hostd.json of its own.
    std::error_code ignored;
    if (std::filesystem::exists("/etc/hotsplice/hostd.json", ignored)) {
      std::cout << "SKIPPED: /etc/hotsplice/hostd.json exists on this machine\n";
      return;
    }
    auto result = check({"--check-config"});
    CHECK_FALSE(result.succeeded());
    CHECK_THAT(result.output, Catch::Contains("/etc/hotsplice/hostd.json: absent"));
    CHECK_THAT(result.output, Catch::Contains("config.repository"));
  }
}

TEST_CASE("with its guest directory unreachable, hostd says so in status, CLI and metrics") {
  TempDir dir;
  auto config = dir.write("hostd.json", config_text(dir, "automatic"));
  auto log = dir / "hostd.log";
  HostdProcess hostd(config, log, {});
  INFO("hostd log:\n" << file_tail(log));
  Json status = wait_status(dir, [](const Json& s) {
    return s["guest_directory"]["why"] != "not connected yet" && s["http"]["listening"] == true;
  });
  REQUIRE(status["guest_directory"]["connected"] == false);
  CHECK(std::regex_match(status["guest_directory"]["since"].get<std::string>(),
                         std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  // http.listen is 127.0.0.1:0: status gives the port really bound.
  std::string address = status["http"]["address"].get<std::string>();
  REQUIRE(address.starts_with("127.0.0.1:"));
  auto port = static_cast<std::uint16_t>(std::stoi(address.substr(10)));
  REQUIRE(port != 0);

  auto cli = [&](std::vector<std::string> words) {
    words.insert(words.begin(), HOTSPLICE_CLI_BINARY);
    words.push_back("--socket");
    words.push_back((dir / "run" / "hostd.sock").string());
    auto result = run_subprocess(SubprocessSpec(words));
    REQUIRE(result);
    return *result;
  };
  auto guests = cli({"guests"});
  REQUIRE(guests.succeeded());
  CHECK_THAT(guests.output, Catch::Contains("NOT connected since"));
  CHECK_THAT(guests.output, Catch::Contains("guests unknown while disconnected"));
  auto one = cli({"guest", "web-1"});
  CHECK_FALSE(one.succeeded());
  CHECK_THAT(one.output, Catch::Contains("[unknown_guest]"));
  CHECK_THAT(one.output, Catch::Contains("disconnected since"));
  auto human = cli({"status"});
  REQUIRE(human.succeeded());
  CHECK_THAT(human.output, Catch::Contains("NOT connected since"));
  // Why hostd leaves this machine's kernel alone, as --json has it (hostd.host.why_not).
  if (status["host"]["patching"] == false) {
    CHECK_THAT(human.output, Catch::Contains("host kernel: left alone by hostd: " +
                                             status["host"]["why_not"].get<std::string>()));
  }
  auto json = cli({"guests", "--json"});
  REQUIRE(json.succeeded());
  CHECK(Json::parse(json.output)["guest_directory"]["connected"] == false);

  auto metrics = hotsplice::testing::http_get(port, "/metrics");
  REQUIRE(metrics.status == 200);
  CHECK_THAT(metrics.body, Catch::Contains("\nhotsplice_guest_directory_up 0\n"));
  // No progress is claimed while the guests are unknown: the family, without a sample.
  CHECK_THAT(metrics.body, Catch::Contains("# TYPE hotsplice_rollout_progress_ratio gauge\n"));
  CHECK_THAT(metrics.body, !Catch::Contains("\nhotsplice_rollout_progress_ratio "));
  auto api = hotsplice::testing::http_get(port, "/api/v1/guests");
  REQUIRE(api.status == 200);
  Json listed = api.json();
  CHECK(listed["guest_directory"]["connected"] == false);
  // Only what hostd reaches without libvirt (this machine's kernel, its containers): no VM
  // with a status it cannot know, in the API or in /metrics.
  for (const auto& record : listed["guests"]) {
    INFO(record.dump());
    CHECK((record["kind"] == "host" || record["kind"] == "container"));
  }
  CHECK_THAT(metrics.body, !Catch::Contains("kind=\"kvm\""));
  // /metrics and the API count the same kernels, the unknown CVE states included (the host
  // kernel here has no bundle: an empty repository).
  auto host = hotsplice::testing::http_get(port, "/api/v1/host");
  REQUIRE(host.status == 200);
  Json summary = host.json()["summary"];
  CHECK_THAT(metrics.body,
             Catch::Contains("\nhotsplice_cves_unknown " + summary["cves_unknown"].dump() + "\n"));
  CHECK(summary["cves_unknown"] == listed["guests"].size());
  CHECK_THAT(metrics.body, Catch::Contains("\nhotsplice_open_cves 0\n"));
  CHECK_THAT(metrics.body, Catch::Contains("hotsplice_guests{status=\"unknown\"} " +
                                           summary["by_status"]["unknown"].dump() + "\n"));
}

TEST_CASE("when the API cannot listen, status names the configured address and the error") {
  TempDir dir;
  // Hold a port so hostd's listen fails.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor taken(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  std::uint16_t port = taken.local_endpoint().port();
  Json config = Json::parse(config_text(dir, "automatic"));
  config["http"]["listen"] = "127.0.0.1:" + std::to_string(port);
  auto path = dir.write("hostd.json", config.dump());
  HostdProcess hostd(path, dir / "hostd.log", {});
  INFO("hostd log:\n" << file_tail(dir / "hostd.log"));
  Json status = wait_status(dir, [](const Json& s) { return s.contains("http"); });
  CHECK(status["http"]["listening"] == false);
  CHECK(status["http"]["address"] == "127.0.0.1:" + std::to_string(port));
  CHECK_FALSE(status["http"]["problem"].get<std::string>().empty());
  auto human = run_subprocess(SubprocessSpec(
      {HOTSPLICE_CLI_BINARY, "status", "--socket", (dir / "run" / "hostd.sock").string()}));
  REQUIRE(human);
  CHECK_THAT(human->output, Catch::Contains("dashboard: off (127.0.0.1:" + std::to_string(port)));
}

TEST_CASE("hostd inside an OpenVZ container refuses to patch the kernel: the node must run it") {
  TempDir dir;
  const Json in_container = {{"root", fixture("openvz/container-vz7")}};
  SECTION("host.patch_kernel on: it does not start, and says why") {
    Json host = in_container;
    host["patch_kernel"] = "on";
    auto config = dir.write("hostd.json", config_text(dir, "automatic", host));
    HostdProcess hostd(config, dir / "hostd.log", {});
    int exit_status = hostd.wait_exit();
    REQUIRE(WIFEXITED(exit_status));
    CHECK(WEXITSTATUS(exit_status) == 1);
    std::string log = file_tail(dir / "hostd.log");
    INFO(log);
    CHECK_THAT(log, Catch::Contains("shared_kernel_container"));
    CHECK_THAT(log, Catch::Contains("the host's kernel is patched by the host, not from inside a "
                                    "container; run hotsplice-hostd on the node"));
    CHECK_THAT(log, Catch::Contains("/proc/vz present without /proc/bc"));
    // Refused before anything else: no state database was created.
    CHECK_FALSE(std::filesystem::exists(dir / "state" / "hostd.db"));
  }
  SECTION("auto (the default): VMs only; no host record, no containers, status says why") {
    auto config = dir.write("hostd.json", config_text(dir, "automatic", in_container));
    HostdProcess hostd(config, dir / "hostd.log", {});
    Json status = wait_status(dir, [](const Json&) { return true; });
    INFO(file_tail(dir / "hostd.log"));
    REQUIRE(status.contains("host"));
    CHECK(status["host"]["patching"] == false);
    CHECK_THAT(status["host"]["why_not"].get<std::string>(),
               Catch::Contains("run hotsplice-hostd on the node"));
    CHECK(status["host"]["environment"]["kind"] == "container");
    auto guests = ask(dir, ControlCommand::guests);
    REQUIRE(guests);
    CHECK((*guests)["guests"].empty());
    CHECK_THAT(file_tail(dir / "hostd.log"), Catch::Contains("not patching this host's kernel") &&
                                                 Catch::Contains("code=shared_kernel_container"));
  }
}

TEST_CASE("hostd never takes an unknown environment for one it may patch") {
  TempDir dir;
  dir.write("empty-root/.keep", "");
  Json host = {{"root", (dir / "empty-root").string()}, {"patch_kernel", "on"}};
  auto config = dir.write("hostd.json", config_text(dir, "automatic", host));
  HostdProcess hostd(config, dir / "hostd.log", {});
  int exit_status = hostd.wait_exit();
  REQUIRE(WIFEXITED(exit_status));
  CHECK(WEXITSTATUS(exit_status) == 1);
  CHECK_THAT(file_tail(dir / "hostd.log"),
             Catch::Contains("environment_unknown") && Catch::Contains("refusing to patch"));
}

TEST_CASE(
    "hostd on a recorded OpenVZ node: the host kernel is a record, every container follows it") {
  TempDir dir;
  Json host = {{"root", fixture("openvz/node-vz7")},
               {"state_dir", (dir / "host-state").string()},
               {"container_rescan_seconds", 1}};
  auto config = dir.write("hostd.json", config_text(dir, "automatic", host));
  HostdProcess hostd(config, dir / "hostd.log", {});
  auto listed = [](const Json& guests, const std::string& id) -> std::optional<Json> {
    for (const auto& record : guests["guests"]) {
      if (record.value("id", "") == id) return record;
    }
    return std::nullopt;
  };
  Json guests;
  for (int i = 0; i < 200; ++i) {
    if (auto answer = ask(dir, ControlCommand::guests)) {
      guests = *answer;
      auto host_record = listed(guests, "host");
      if (host_record && (*host_record)["status"] != "unknown" && guests["guests"].size() > 1)
        break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  INFO(guests.dump(1) << "\n" << file_tail(dir / "hostd.log"));
  auto host_record = listed(guests, "host");
  REQUIRE(host_record);
  // No bundle targets the recorded node's kernel (an empty repository): never "up to date".
  CHECK((*host_record)["status"] == "unsupported_kernel");
  CHECK((*host_record)["kernel"]["release"] == "6.18.44-fc-v595");
  // Running containers from /etc/vz/conf + /proc/vz/veinfo: the host's kernel and status.
  auto ct101 = listed(guests, "ct:101");
  REQUIRE(ct101);
  CHECK((*ct101)["status"] == "unsupported_kernel");
  CHECK((*ct101)["kernel"] == (*host_record)["kernel"]);
  CHECK_THAT((*ct101)["reason"].get<std::string>(), Catch::Contains("runs on the host kernel"));
  CHECK(std::filesystem::is_directory(dir / "host-state" / "applied"));
  Json status = wait_status(dir, [](const Json& s) { return s["host"]["patching"] == true; });
  CHECK(status["host"]["openvz_node"] == true);
  CHECK(status["host"]["containers"]["count"].get<int>() >= 3);
}
