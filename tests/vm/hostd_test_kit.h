// One hotsplice-hostd under test: its own directories (repository, state, keys, control
// socket) under a work dir, a config written from a few knobs, the real binary started as a
// child process (in the private libvirtd's mount namespace, so qemu:///system is that
// daemon), and the control socket read back the way the CLI reads it.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "core/base/expected.h"
#include "core/base/json_reader.h"
#include "core/crypto/ed25519.h"
#include "tests/vm/harness/child_process.h"
#include "tests/vm/harness/deadline.h"

namespace hotsplice::vm {

struct HostdSettings {
  bool hotplug_channel = false;
  unsigned canary_count = 0;
  unsigned canary_wait_seconds = 0;
  unsigned concurrency = 4;
  bool automatic = true;
  std::map<std::string, std::string> pins;  // guest name -> highest bundle id ("" holds)
  // The HTTP API and dashboard on 127.0.0.1:<port> (free_tcp_port()); when unset, hostd
  // listens on a port of the kernel's choice that the test does not use.
  std::optional<std::uint16_t> http_port;
  std::filesystem::path dashboard_dir;  // "" keeps hostd's default
};

// A TCP port on 127.0.0.1 that nothing listens on right now (the kernel's pick, released).
std::uint16_t free_tcp_port();

class HostdUnderTest {
 public:
  // key signs the repository index (its public half must be trusted by hostd and guests).
  HostdUnderTest(std::filesystem::path work_dir, const Ed25519PrivateKey& key);
  ~HostdUnderTest();

  // Adds signed bundle files to the repository and publishes a new index
  // (`hotsplice repo add`), as an operator would.
  void publish(const std::vector<std::filesystem::path>& bundles);
  void configure(const HostdSettings& settings);

  void start();
  void reload();     // SIGHUP
  void kill_hard();  // SIGKILL, no cleanup: a crash
  void stop();       // SIGTERM; requires exit status 0
  pid_t pid() const;
  long rss_kib() const;  // VmRSS of the running hostd
  const std::filesystem::path& log() const { return log_; }

  // The coverage records (a JSON array) in an answer of `guests`.
  static const Json& records(const Json& answer);
  // `guests` on the control socket: {"guests": [coverage records]}.
  Expected<Json> guests() const;
  // The record of the guest with this name, if hostd lists it.
  std::optional<Json> guest(const std::string& name) const;
  std::string status_of(const std::string& name) const;  // "" if not listed
  // Polls `guests` every 250 ms until done(guests) holds; fails the test with the last
  // answer and the log's tail when the deadline passes first.
  Json wait_until(const std::string& what, const std::function<bool(const Json&)>& done,
                  const Deadline& deadline) const;
  // Waits until every named guest has the given status.
  Json wait_for_statuses(const std::vector<std::pair<std::string, std::string>>& expected,
                         const Deadline& deadline) const;

 private:
  std::filesystem::path work_;
  std::filesystem::path key_file_;
  std::filesystem::path config_;
  std::filesystem::path socket_;
  std::filesystem::path log_;
  std::optional<ChildProcess> process_;
};

}  // namespace hotsplice::vm
