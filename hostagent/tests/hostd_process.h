// hotsplice-hostd (or another program) as a real child process (posix_spawn), for the tests
// that drive it from outside: its stdout and stderr go to a log file; SIGKILLed if still running at
// the end.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/base/json_reader.h"

extern char** environ;

namespace hotsplice::hostd::testing {

// A program started with posix_spawn (argv[0] a path), stderr and stdout into log, the
// environment without systemd's variables plus extra_env.
class ChildProcess {
 public:
  ChildProcess(std::vector<std::string> argv, const std::filesystem::path& log,
               std::vector<std::string> extra_env = {}) {
    std::vector<std::string> env = std::move(extra_env);
    for (char** e = environ; *e; ++e) {
      if (std::strncmp(*e, "NOTIFY_SOCKET=", 14) && std::strncmp(*e, "WATCHDOG_", 9))
        env.push_back(*e);
    }
    std::vector<char*> argv_c;
    for (auto& a : argv) argv_c.push_back(a.data());
    argv_c.push_back(nullptr);
    std::vector<char*> env_c;
    for (auto& e : env) env_c.push_back(e.data());
    env_c.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    REQUIRE(posix_spawn(&pid_, argv_c[0], &actions, nullptr, argv_c.data(), env_c.data()) == 0);
    posix_spawn_file_actions_destroy(&actions);
  }
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }
  void signal(int number) { REQUIRE(::kill(pid_, number) == 0); }
  // Waits for the exit; the wait status, or -1 if it did not exit in time.
  int wait_exit(std::chrono::seconds limit = std::chrono::seconds(30)) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
};

// hotsplice-hostd with a config file.
class HostdProcess : public ChildProcess {
 public:
  HostdProcess(const std::filesystem::path& config, const std::filesystem::path& log,
               std::vector<std::string> extra_env)
      : ChildProcess({HOTSPLICE_HOSTD_BINARY, "--config", config.string()}, log,
                     std::move(extra_env)) {}
};

// A hostd config whose every path is under dir, with libvirt at a socket where no libvirtd
// listens and the HTTP API on a free loopback port (read the bound address from status).
// Creates dir/repo (an empty repository directory) and dir/keys.
inline Json unreachable_libvirt_config(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir / "repo");
  std::filesystem::create_directories(dir / "keys");
  return {{"state_dir", (dir / "state").string()},
          {"control_socket", (dir / "run" / "hostd.sock").string()},
          {"keys_dir", (dir / "keys").string()},
          {"libvirt",
           {{"uri", "qemu+unix:///system?socket=" + (dir / "no-libvirtd.sock").string()},
            {"reconnect_interval_seconds", 1}}},
          {"repository",
           {{"directory", (dir / "repo").string()}, {"cache_dir", (dir / "cache").string()}}},
          {"http", {{"listen", "127.0.0.1:0"}, {"token_file", (dir / "api-token").string()}}}};
}

}  // namespace hotsplice::hostd::testing
