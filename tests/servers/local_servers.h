// Real web servers for tests, started as children on 127.0.0.1 only: Debian's nginx
// (nginx-light) serving a directory, and tinyproxy as an HTTP proxy. Each has its own
// config, pid, log and temporary files under a directory the test owns, listens on a port
// the kernel reported free, and is stopped (SIGTERM, then SIGKILL to its process group)
// when the object goes away. Tests that cannot find the programs skip with a message.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>

#include "core/base/expected.h"
#include "tests/vm/harness/child_process.h"

namespace hotsplice::testing {

// The absolute path of an installed program (PATH, then /usr/sbin and /sbin), if any.
std::optional<std::filesystem::path> find_program(const std::string& name);

// Why a server test cannot run ("nginx is not installed (scripts/setup installs
// nginx-light)"), or nullopt when nginx and tinyproxy are both there.
std::optional<std::string> missing_http_servers();

struct NginxOptions {
  // Added inside the `server` block (nginx syntax), e.g.
  // "location /slow/ { alias ROOT/; limit_rate 100; }".
  std::string extra_server_config;
  // PEM certificate and key: serve HTTPS instead of HTTP.
  std::optional<std::pair<std::filesystem::path, std::filesystem::path>> tls;
};

class LocalNginx {
 public:
  // Serves `root` at url(). The access log records each request line, its status and the
  // Via header (which proxies add).
  static Expected<LocalNginx> start(const std::filesystem::path& work_directory,
                                    const std::filesystem::path& root, NginxOptions options = {});
  LocalNginx(LocalNginx&&) = default;
  ~LocalNginx();

  int port() const { return port_; }
  // "http://127.0.0.1:PORT" or "https://127.0.0.1:PORT".
  std::string url() const;
  std::string access_log() const;

 private:
  LocalNginx(vm::ChildProcess process, std::filesystem::path directory, int port, bool tls)
      : process_(std::move(process)), directory_(std::move(directory)), port_(port), tls_(tls) {}
  vm::ChildProcess process_;
  std::filesystem::path directory_;
  int port_ = 0;
  bool tls_ = false;
};

class LocalTinyproxy {
 public:
  static Expected<LocalTinyproxy> start(const std::filesystem::path& work_directory);
  LocalTinyproxy(LocalTinyproxy&&) = default;
  ~LocalTinyproxy();

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // tinyproxy's own log: one "Request (file descriptor N): GET http://... HTTP/1.1" line per
  // proxied request (LogLevel Info).
  std::string log() const;

 private:
  LocalTinyproxy(vm::ChildProcess process, std::filesystem::path directory, int port)
      : process_(std::move(process)), directory_(std::move(directory)), port_(port) {}
  vm::ChildProcess process_;
  std::filesystem::path directory_;
  int port_ = 0;
};

}  // namespace hotsplice::testing
