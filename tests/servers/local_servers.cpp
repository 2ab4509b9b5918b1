#include "tests/servers/local_servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <thread>

#include "core/base/file_io.h"
#include "core/base/subprocess.h"
#include "core/base/unique_fd.h"
#include "tests/servers/error_codes.h"

namespace hotsplice::testing {
namespace {

constexpr int kStartAttempts = 5;  // a picked port can be taken before the server binds it
constexpr auto kStartTimeout = std::chrono::seconds(10);
constexpr auto kStopGrace = std::chrono::milliseconds(2000);

sockaddr_in loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

// A port on 127.0.0.1 that nothing listened on a moment ago.
Expected<int> pick_free_port() {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return io_error("socket", errno);
  sockaddr_in address = loopback(0);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    return io_error("bind 127.0.0.1:0", errno);
  }
  socklen_t length = sizeof address;
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    return io_error("getsockname", errno);
  }
  return static_cast<int>(ntohs(address.sin_port));
}

bool accepts_connections(int port) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in address = loopback(port);
  return fd.get() >= 0 &&
         ::connect(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
}

// Starts a server on a fresh port until one comes up listening; the config for each try is
// written by write_config(port). Fails with the end of the server's output.
Expected<std::pair<vm::ChildProcess, int>> start_listening(
    const std::string& name, const std::function<std::vector<std::string>(int port)>& command,
    const std::filesystem::path& output_log) {
  std::string last_failure;
  for (int attempt = 0; attempt < kStartAttempts; ++attempt) {
    auto port = pick_free_port();
    if (!port) return port.error();
    auto child = vm::ChildProcess::spawn(command(*port), output_log);
    if (!child) return child.error();
    auto deadline = vm::Deadline::after(kStartTimeout);
    while (!deadline.expired()) {
      if (accepts_connections(*port)) return std::pair{std::move(*child), *port};
      if (auto status = child->poll_exit()) {
        last_failure = name + " " + describe_wait_status(*status);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (last_failure.empty()) last_failure = name + " did not listen within 10 s";
  }
  return Error(errc::kServerStartFailed, last_failure + ": " + file_tail(output_log, 2048));
}

std::string read_log(const std::filesystem::path& path) {
  auto text = read_file(path, 16 << 20);
  return text ? *text : std::string();
}

}  // namespace

std::optional<std::filesystem::path> find_program(const std::string& name) {
  std::string path = std::getenv("PATH") != nullptr ? std::getenv("PATH") : "";
  path += ":/usr/sbin:/sbin";
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::filesystem::path candidate = std::filesystem::path(path.substr(start, end - start)) / name;
    if (end > start && ::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

std::optional<std::string> missing_http_servers() {
  if (!find_program("nginx")) return "nginx is not installed (scripts/setup installs nginx-light)";
  if (!find_program("tinyproxy")) return "tinyproxy is not installed (scripts/setup installs it)";
  return std::nullopt;
}

Expected<LocalNginx> LocalNginx::start(const std::filesystem::path& work_directory,
                                       const std::filesystem::path& root, NginxOptions options) {
  auto nginx = find_program("nginx");
  if (!nginx) return Error(errc::kServerStartFailed, *missing_http_servers());
  std::filesystem::path dir = work_directory / "nginx";
  std::filesystem::create_directories(dir);
  auto config_for = [&](int port) {
    const std::string d = dir.string();
    // One process, no daemon: it runs as the test's user (no switch to www-data, which
    // could not read a private temporary directory) and dies with the test.
    std::string config =
        "daemon off;\nmaster_process off;\nworker_processes 1;\n"
        "pid " +
        d + "/nginx.pid;\nerror_log " + d +
        "/error.log info;\n"
        "events { worker_connections 64; }\n"
        "http {\n"
        "  log_format hotsplice '$request status=$status via=\"$http_via\"';\n"
        "  access_log " +
        d +
        "/access.log hotsplice;\n"
        "  client_body_temp_path " +
        d +
        "/body;\n"
        "  proxy_temp_path " +
        d +
        "/proxy;\n"
        "  fastcgi_temp_path " +
        d +
        "/fastcgi;\n"
        "  uwsgi_temp_path " +
        d +
        "/uwsgi;\n"
        "  scgi_temp_path " +
        d +
        "/scgi;\n"
        "  default_type application/octet-stream;\n"
        "  server {\n"
        "    listen 127.0.0.1:" +
        std::to_string(port) +
        (options.tls ? " ssl;\n    ssl_certificate " + options.tls->first.string() +
                           ";\n    ssl_certificate_key " + options.tls->second.string() + ";\n"
                     : ";\n") +
        "    root " + root.string() +
        ";\n"
        "    " +
        options.extra_server_config +
        "\n"
        "  }\n"
        "}\n";
    // A config that could not be written shows up as nginx failing to start, with its output.
    (void)write_file_atomically(dir / "nginx.conf", config);
    return std::vector<std::string>{nginx->string(), "-p", d, "-c", d + "/nginx.conf", "-e",
                                    d + "/error.log"};
  };
  auto started = start_listening("nginx", config_for, dir / "output.log");
  if (!started) return started.error();
  return LocalNginx(std::move(started->first), dir, started->second, options.tls.has_value());
}

LocalNginx::~LocalNginx() {
  process_.stop(kStopGrace);
}

std::string LocalNginx::url() const {
  return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_);
}

std::string LocalNginx::access_log() const {
  return read_log(directory_ / "access.log");
}

Expected<LocalTinyproxy> LocalTinyproxy::start(const std::filesystem::path& work_directory) {
  auto tinyproxy = find_program("tinyproxy");
  if (!tinyproxy) return Error(errc::kServerStartFailed, *missing_http_servers());
  std::filesystem::path dir = work_directory / "tinyproxy";
  std::filesystem::create_directories(dir);
  auto config_for = [&](int port) {
    const std::string d = dir.string();
    std::string config = "Port " + std::to_string(port) +
                         "\nListen 127.0.0.1\nTimeout 30\n"
                         "LogFile \"" +
                         d +
                         "/tinyproxy.log\"\nLogLevel Info\n"
                         "PidFile \"" +
                         d +
                         "/tinyproxy.pid\"\nMaxClients 16\n"
                         "Allow 127.0.0.1\n";
    (void)write_file_atomically(dir / "tinyproxy.conf", config);
    // -d: stay in the foreground, so the test owns the process.
    return std::vector<std::string>{tinyproxy->string(), "-d", "-c", d + "/tinyproxy.conf"};
  };
  auto started = start_listening("tinyproxy", config_for, dir / "output.log");
  if (!started) return started.error();
  return LocalTinyproxy(std::move(started->first), dir, started->second);
}

LocalTinyproxy::~LocalTinyproxy() {
  process_.stop(kStopGrace);
}

std::string LocalTinyproxy::log() const {
  return read_log(directory_ / "tinyproxy.log");
}

}  // namespace hotsplice::testing
