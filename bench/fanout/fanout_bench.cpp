// Rollout fan-out: the real hostd (hotsplice-hostd-sim) pushes one signed ~1 MiB bundle to N
// simulated guests (hotsplice-guestd-sim: the real agent code, a recording kernel), from a
// real repository directory, and the bench prints how long it took and what it cost hostd.
//
//   fanout_bench [--guests 10,100,1000] [--concurrency 32] [--bundle-kib 1024]
//                [--sim-dir /dev/shm] [--hostd-dir /var/tmp] [--under "CMD ARGS"]
//   fanout_bench --publish-only DIR    (the bundle's repository in DIR/repo, key in DIR/keys)
//
// --under runs both daemons under a command (its words split on spaces), e.g. valgrind for
// scripts/memcheck; either daemon exiting non-zero after SIGTERM fails the run (valgrind's
// --error-exitcode makes errors and leaks such an exit).
//
// Per N: wall time from hostd's start to the last guest applied; per guest, the time from
// hostd's "offering" to its "applied" log line (lines are timestamped as the bench reads
// them); hostd's peak RSS (VmHWM) and CPU seconds, and the simulator's CPU seconds. The
// guests' state lives under --sim-dir (tmpfs by default: on a real host each guest has its
// own disk, here one disk would serialise N guests' fsyncs); hostd's state and SQLite
// database under --hostd-dir (a real disk). Every guest's recorded load is checked at the end.
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/fanout/child_process.h"
#include "bench/fanout/sim_bundle.h"
#include "bench/fanout/sim_guest_names.h"
#include "core/base/arguments.h"
#include "core/base/file_io.h"

namespace {

using namespace hotsplice;
using namespace hotsplice::bench;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "fanout_bench: %s\n", what.c_str());
  std::exit(1);
}

template <typename T>
T need(Expected<T> value, const std::string& what) {
  if (!value) die(what + ": " + value.error().code() + ": " + value.error().message());
  return std::move(*value);
}

void need(const Status& status, const std::string& what) {
  if (!status) die(what + ": " + status.error().code() + ": " + status.error().message());
}

struct RunResult {
  std::size_t guests = 0;
  double wall_seconds = 0;                    // hostd start -> last "applied"
  double first_offer_seconds = 0;             // hostd start -> first "offering"
  double p50_ms = 0, p99_ms = 0, max_ms = 0;  // per guest: offering -> applied
  long hostd_peak_rss_kib = 0;
  double hostd_cpu_seconds = 0;
  double sim_cpu_seconds = 0;
  std::size_t failures = 0;
  std::size_t loads_recorded = 0;
  bool clean_exits = false;  // both daemons exited with status 0 on SIGTERM
};

// The word after the priority prefix ("<6>applied guest=sim-000001 ...") and guest's value.
bool parse_event(const std::string& line, std::string& event, std::string& guest) {
  auto start = line.find('>');
  if (line.empty() || line[0] != '<' || start == std::string::npos) return false;
  std::string rest = line.substr(start + 1);
  auto at = rest.find(" guest=");
  if (at == std::string::npos) return false;
  event = rest.substr(0, at);
  auto value = rest.substr(at + 7);
  guest = value.substr(0, value.find(' '));
  return true;
}

double percentile(std::vector<double> values, double fraction) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  auto index = static_cast<std::size_t>(fraction * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

// prefix + argv: a daemon's command line under the --under command.
std::vector<std::string> under(const std::vector<std::string>& prefix,
                               std::vector<std::string> argv) {
  argv.insert(argv.begin(), prefix.begin(), prefix.end());
  return argv;
}

// Stops a daemon with SIGTERM; false (and why, on stderr) unless it exited with status 0.
bool stopped_cleanly(ChildProcess& daemon, const char* name) {
  int status = daemon.stop(SIGTERM);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return true;
  std::fprintf(stderr, "fanout_bench: %s %s %d after SIGTERM\n", name,
               WIFEXITED(status) ? "exited with status" : "died of signal",
               WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
  return false;
}

RunResult run(const SimRepository& repo, const fs::path& sim_root, const fs::path& hostd_root,
              std::size_t guests, unsigned concurrency, const std::vector<std::string>& prefix) {
  fs::path sim_dir = sim_root / ("sim-" + std::to_string(guests));
  fs::path hostd_dir = hostd_root / ("hostd-" + std::to_string(guests));
  fs::remove_all(sim_dir);
  fs::remove_all(hostd_dir);
  need(ensure_directory(hostd_dir), "hostd dir");
  auto sim = need(ChildProcess::start(under(
                      prefix, {HOTSPLICE_GUESTD_SIM, "--guests", std::to_string(guests), "--dir",
                               sim_dir.string(), "--keys-dir", repo.keys_dir.string(), "--release",
                               kSimKernel.release, "--kernel-version", kSimKernel.version,
                               "--build-id", kSimKernel.build_id})),
                  "starting the simulator");
  auto ready = sim.read_line(Clock::now() + std::chrono::minutes(5));
  if (!ready || ready->rfind("ready", 0) != 0) {
    die("simulator not ready: " + ready.value_or("no output"));
  }
  nlohmann::json config = {
      {"repository",
       {{"directory", repo.repo_dir.string()}, {"cache_dir", (hostd_dir / "repository").string()}}},
      {"state_dir", hostd_dir.string()},
      {"keys_dir", repo.keys_dir.string()},
      {"control_socket", (hostd_dir / "hostd.sock").string()},
      {"rollout", {{"canary_count", 0}, {"concurrency", concurrency}}},
      // A port of the kernel's choice: never 9470, which a developer's hostd may hold.
      {"http", {{"listen", "127.0.0.1:0"}}},
      {"log_level", "info"}};
  need(write_file_atomically(hostd_dir / "hostd.json", config.dump(2)), "hostd config");

  RunResult result;
  result.guests = guests;
  auto started = Clock::now();
  auto hostd =
      need(ChildProcess::start(
               under(prefix, {HOTSPLICE_HOSTD_SIM, "--config", (hostd_dir / "hostd.json").string(),
                              "--sockets", sim_socket_dir(sim_dir).string()})),
           "starting hostd");
  std::map<std::string, Clock::time_point> offered;
  std::vector<double> latencies_ms;
  std::size_t problems_shown = 0;
  auto deadline = started + std::chrono::minutes(10);
  while (latencies_ms.size() + result.failures < guests) {
    auto line = hostd.read_line(deadline);
    if (!line)
      die("hostd stopped or timed out with " + std::to_string(latencies_ms.size()) + " of " +
          std::to_string(guests) + " applied");
    auto now = Clock::now();
    std::string event, guest;
    if (line->rfind("<3>", 0) == 0 || line->rfind("<4>", 0) == 0) {
      if (problems_shown++ < 10) std::fprintf(stderr, "hostd: %s\n", line->c_str());
    }
    if (!parse_event(*line, event, guest)) continue;
    if (event == "offering") {
      if (offered.empty()) {
        result.first_offer_seconds = std::chrono::duration<double>(now - started).count();
      }
      offered.emplace(guest, now);
    } else if (event == "applied" && offered.count(guest)) {
      latencies_ms.push_back(
          std::chrono::duration<double, std::milli>(now - offered[guest]).count());
    } else if (event == "apply failed") {
      ++result.failures;
    }
  }
  result.wall_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  ProcessUsage hostd_usage = hostd.usage();
  result.hostd_peak_rss_kib = hostd_usage.peak_rss_kib;
  result.hostd_cpu_seconds = hostd_usage.cpu_seconds;
  result.sim_cpu_seconds = sim.usage().cpu_seconds;
  result.p50_ms = percentile(latencies_ms, 0.50);
  result.p99_ms = percentile(latencies_ms, 0.99);
  result.max_ms = percentile(latencies_ms, 1.0);
  bool hostd_clean = stopped_cleanly(hostd, "hostd");  // both are stopped, whatever the first did
  bool sim_clean = stopped_cleanly(sim, "the simulator");
  result.clean_exits = hostd_clean && sim_clean;
  for (std::size_t i = 0; i < guests; ++i) {
    fs::path enabled = sim_guest_root(sim_dir, sim_guest_uuid(i)) / "sys/kernel/livepatch" /
                       kSimModule / "enabled";
    if (fs::exists(enabled)) ++result.loads_recorded;
  }
  fs::remove_all(sim_dir);
  fs::remove_all(hostd_dir);
  return result;
}

std::vector<std::size_t> parse_counts(const std::string& text) {
  std::vector<std::size_t> counts;
  std::istringstream in(text);
  for (std::string word; std::getline(in, word, ',');) counts.push_back(std::stoul(word));
  return counts;
}

}  // namespace

int main(int argc, char** argv) {
  auto arguments = Arguments::parse(std::vector<std::string>(argv + 1, argv + argc),
                                    {{"guests"},
                                     {"concurrency"},
                                     {"bundle-kib"},
                                     {"sim-dir"},
                                     {"hostd-dir"},
                                     {"under"},
                                     {"publish-only"}},
                                    0);
  if (!arguments) die(arguments.error().message());
  if (auto only = arguments->value("publish-only")) {
    auto repo = need(bench::publish_sim_bundle(*only, 64 * 1024), "bundle");
    std::printf("repository %s, keys %s\n", repo.repo_dir.c_str(), repo.keys_dir.c_str());
    return 0;
  }
  auto counts = parse_counts(arguments->value("guests").value_or("10,100,1000"));
  unsigned concurrency = std::stoul(arguments->value("concurrency").value_or("32"));
  std::size_t bundle_kib = std::stoul(arguments->value("bundle-kib").value_or("1024"));
  fs::path sim_root = arguments->value("sim-dir").value_or("/dev/shm");
  fs::path hostd_root = arguments->value("hostd-dir").value_or("/var/tmp");
  std::vector<std::string> prefix;
  {
    std::istringstream words(arguments->value("under").value_or(""));
    for (std::string word; words >> word;) prefix.push_back(word);
  }
  fs::path bench_dir = hostd_root / ("hotsplice-fanout." + std::to_string(::getpid()));
  sim_root /= "hotsplice-fanout." + std::to_string(::getpid());
  fs::remove_all(bench_dir);
  need(ensure_directory(bench_dir), "bench dir");
  // The module's padding makes the whole bundle about bundle_kib (ELF and manifest ~2 KiB).
  auto repo = need(bench::publish_sim_bundle(bench_dir, bundle_kib * 1024), "bundle");
  std::printf("bundle %llu bytes, concurrency %u, guests' state on %s, hostd's on %s\n",
              static_cast<unsigned long long>(repo.bundle_bytes), concurrency, sim_root.c_str(),
              hostd_root.c_str());
  std::printf("%7s %9s %9s %9s %9s %9s %12s %10s %9s %9s %8s\n", "guests", "wall_s", "1st_off_s",
              "p50_ms", "p99_ms", "max_ms", "hostd_hwm_KiB", "KiB/guest", "hostd_cpu", "sim_cpu",
              "loaded");
  std::vector<RunResult> results;
  for (std::size_t guests : counts) {
    RunResult r = run(repo, sim_root, hostd_root, guests, concurrency, prefix);
    std::printf("%7zu %9.2f %9.2f %9.1f %9.1f %9.1f %12ld %10.1f %9.2f %9.2f %8zu%s\n", r.guests,
                r.wall_seconds, r.first_offer_seconds, r.p50_ms, r.p99_ms, r.max_ms,
                r.hostd_peak_rss_kib,
                static_cast<double>(r.hostd_peak_rss_kib) / static_cast<double>(r.guests),
                r.hostd_cpu_seconds, r.sim_cpu_seconds, r.loads_recorded,
                r.failures ? (" FAILED " + std::to_string(r.failures)).c_str() : "");
    std::fflush(stdout);
    results.push_back(r);
  }
  // Growth: what each further guest cost, between consecutive sizes.
  for (std::size_t i = 1; i < results.size(); ++i) {
    const RunResult& a = results[i - 1];
    const RunResult& b = results[i];
    double extra = static_cast<double>(b.guests - a.guests);
    std::printf(
        "from %zu to %zu guests: +%.1f KiB hostd peak RSS per guest, +%.2f ms wall per "
        "guest, +%.2f ms hostd CPU per guest\n",
        a.guests, b.guests,
        static_cast<double>(b.hostd_peak_rss_kib - a.hostd_peak_rss_kib) / extra,
        (b.wall_seconds - a.wall_seconds) * 1000 / extra,
        (b.hostd_cpu_seconds - a.hostd_cpu_seconds) * 1000 / extra);
  }
  fs::remove_all(bench_dir);
  fs::remove_all(sim_root);
  bool ok = std::all_of(results.begin(), results.end(), [](const RunResult& r) {
    return r.failures == 0 && r.loads_recorded == r.guests && r.clean_exits;
  });
  return ok ? 0 : 1;
}
