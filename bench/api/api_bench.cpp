// The HTTP API's latency with 1000 guests in the coverage model: hostd's real Daemon, HTTP
// server, router, views and metrics, in this process, on a free loopback port; the guests
// are in-memory stand-ins (1000 VMs do not fit on a CI machine) that answer the handshake at
// once with one of three kernels and some live bundles. Prints p50/p99 (and max) of
// GET /api/v1/guests, /api/v1/host and /metrics, each over a fresh connection, as a client
// would see them, and the answers' sizes. Run by hand: ./api_bench [guests] [requests]
#include <algorithm>
#include <boost/asio/post.hpp>
#include <iostream>
#include <thread>

#include "hostagent/daemon.h"
#include "hostagent/tests/http_client.h"
#include "hostagent/tests/list_catalog.h"
#include "tests/support/temp_dir.h"

using namespace hotsplice;
using namespace hotsplice::hostd;

namespace {

namespace asio = boost::asio;
namespace support = hotsplice::testing;               // TempDir, http_get
namespace hostd_support = hotsplice::hostd::testing;  // ListCatalog

const KernelIdentity kKernels[] = {
    {"6.1.0-56-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2", "aa11"},
    {"6.1.0-53-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.180-1", "bb22"},
    {"6.12.0-1-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.12.17-1", "cc33"},  // no bundle
};

// Guests that exist only in memory, for the benchmark: reported at start.
class InMemoryGuestsForBench : public GuestDirectory {
 public:
  InMemoryGuestsForBench(asio::io_context& io, std::size_t count) : io_(io), count_(count) {}
  Status start(Callbacks callbacks) override {
    asio::post(io_, [this, callbacks = std::move(callbacks)] {
      callbacks.connection_changed(true, "");
      for (std::size_t i = 0; i < count_; ++i) {
        char uuid[48];
        std::snprintf(uuid, sizeof uuid, "00000000-0000-4000-8000-%012zu", i);
        callbacks.guest_seen(GuestInfo{uuid,
                                       "guest-" + std::to_string(i),
                                       true,
                                       "/nonexistent/" + std::to_string(i),
                                       true,
                                       "kvm",
                                       {"in-memory bench guest"}});
      }
    });
    return Status::ok();
  }
  void stop() override {}
  void attach_channel(const std::string&, std::function<void(Status)> done) override {
    asio::post(io_, [done] { done(Status::ok()); });
  }

 private:
  asio::io_context& io_;
  std::size_t count_;
};

// Answers the handshake at once (kernel by the guest's number; every other guest has hs-1
// live); never asked to transfer (the rollout is paused).
class InstantTargetForBench : public PatchTarget {
 public:
  InstantTargetForBench(asio::io_context& io, std::size_t n) : io_(io), n_(n) {}
  void handshake(HelloDone done) override {
    TargetHello hello{kKernels[n_ % 3], {}, "0.1.0"};
    if (n_ % 2 == 0 && n_ % 3 == 0) hello.applied.push_back({"hs-1", "hs_1", true, false});
    asio::post(io_, [done, hello] { done(hello); });
  }
  void send_bundle(const std::string&, std::shared_ptr<const std::string>, Done done) override {
    asio::post(io_, [done] { done(Status::ok()); });
  }
  void apply(const std::string&, Done done) override {
    asio::post(io_, [done] { done(Status::ok()); });
  }
  void rollback(const std::string&, Done done) override {
    asio::post(io_, [done] { done(Status::ok()); });
  }
  void close() override {}

 private:
  asio::io_context& io_;
  std::size_t n_;
};

struct Latency {
  double p50 = 0, p99 = 0, max = 0;
  std::size_t bytes = 0;
};

Latency measure(std::uint16_t port, const std::string& target, int requests) {
  std::vector<double> ms;
  Latency out;
  for (int i = 0; i < requests; ++i) {
    auto start = std::chrono::steady_clock::now();
    auto answer = support::http_get(port, target);
    auto end = std::chrono::steady_clock::now();
    if (answer.status != 200) {
      std::cerr << target << ": HTTP " << answer.status << "\n";
      std::exit(1);
    }
    out.bytes = answer.body.size();
    ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
  }
  std::sort(ms.begin(), ms.end());
  out.p50 = ms[ms.size() / 2];
  out.p99 = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  out.max = ms.back();
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t guests = argc > 1 ? std::stoul(argv[1]) : 1000;
  int requests = argc > 2 ? std::stoi(argv[2]) : 200;
  support::TempDir dir;
  HostdConfig config;
  config.state_dir = dir / "state";
  config.database = dir / "state" / "hostd.db";
  config.control_socket = dir / "hostd.sock";
  config.http.host = "127.0.0.1";
  config.http.port = 0;
  config.http.token_file = dir / "absent-token";
  config.rollout.policy = RolloutPolicy::manual;  // the model, not a rollout, is measured
  Logger log("api_bench", LogLevel::error);
  asio::io_context io;
  DaemonParts parts;
  parts.make_directory = [&io, guests](const HostdConfig&) -> std::unique_ptr<GuestDirectory> {
    return std::make_unique<InMemoryGuestsForBench>(io, guests);
  };
  parts.make_catalog = [](const HostdConfig&,
                          std::function<void()>) -> Expected<std::unique_ptr<BundleCatalog>> {
    auto catalog = std::make_unique<hostd_support::ListCatalog>();
    catalog->bundles = {{"hs-1", kKernels[0], {"CVE-2024-1086", "CVE-2024-26581"}, 0, "first"},
                        {"hs-2", kKernels[0], {"CVE-2024-26582"}, 1, "second"},
                        {"hs-old-1", kKernels[1], {"CVE-2024-1086"}, 2, "older kernel"}};
    return std::unique_ptr<BundleCatalog>(std::move(catalog));
  };
  parts.make_target_factory = [&io](const HostdConfig&) -> TargetFactory {
    return [&io](const GuestInfo& info) -> std::unique_ptr<PatchTarget> {
      std::size_t n = std::stoul(info.name.substr(info.name.find('-') + 1));
      return std::make_unique<InstantTargetForBench>(io, n);
    };
  };
  Daemon daemon(io, dir / "hostd.json", config, log, std::move(parts));
  if (auto s = daemon.start(); !s) {
    std::cerr << "daemon: " << s.error().message() << "\n";
    return 1;
  }
  auto started = std::chrono::steady_clock::now();
  std::thread runner([&io] { io.run(); });
  std::uint16_t port = daemon.http_port();
  // Wait for every guest to have answered (none unknown), polling every 20 ms.
  bool filled = false;
  for (int i = 0; i < 30000 && !filled; ++i) {
    Json summary = support::http_get(port, "/api/v1/host").json()["summary"];
    filled = summary["total"] == guests && summary["by_status"]["unknown"] == 0;
    if (!filled) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  double fill_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  Json summary = support::http_get(port, "/api/v1/host").json()["summary"];
  std::cout << "model: " << summary.dump() << "\n";
  std::printf("%zu guests in the model (none unknown) after %.2f s%s\n", guests, fill_s,
              filled ? "" : " (NOT all answered: gave up)");
  std::cout << "requests per endpoint: " << requests << " (a fresh connection each)\n";
  for (const char* target : {"/api/v1/guests", "/api/v1/host", "/metrics"}) {
    auto l = measure(port, target, requests);
    std::printf("%-16s p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  %8zu bytes\n", target, l.p50,
                l.p99, l.max, l.bytes);
  }
  asio::post(io, [&daemon] { daemon.stop(); });
  runner.join();
  return 0;
}
