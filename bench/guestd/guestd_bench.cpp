// The guest agent's footprint and speed, measured inside a real (TCG) guest:
//   - binary size of the static agent;
//   - idle RSS and idle activity (CPU ticks, context switches over 10 s) with no host
//     connected and with a host connected but silent;
//   - time from the last chunk received to "applied", as the agent itself logs it, and the
//     host-side round trip of the apply request, over several apply/rollback cycles.
#include <catch2/catch.hpp>

#include <algorithm>
#include <iostream>
#include <regex>
#include <thread>
#include <vector>

#include "tests/support/temp_dir.h"
#include "tests/vm/guestd_host_client.h"
#include "tests/vm/guestd_test_kit.h"
#include "tests/vm/harness/qemu_guest.h"
#include "tests/vm/require_ok.h"

using namespace hotsplice;
using namespace hotsplice::vm;
using namespace std::chrono_literals;

namespace {

struct Activity {
  long rss_kib = 0;
  long anon_kib = 0;  // heap and stacks: what the agent itself holds
  long file_kib = 0;  // pages of the (static) binary it has touched
  long cpu_ticks = 0;
  long context_switches = 0;
};

Activity agent_activity(GuestShell& shell) {
  std::string out = require_ok(shell.check_output(
      "p=$(pidof hotsplice-guestd); "
      "awk '/VmRSS/ {r=$2} /RssAnon/ {a=$2} /RssFile/ {f=$2} /ctxt_switches/ {c+=$2} "
      "END {print r, a, f, c}' /proc/$p/status; "
      "awk '{print $14 + $15}' /proc/$p/stat"));
  Activity activity;
  std::istringstream in(out);
  in >> activity.rss_kib >> activity.anon_kib >> activity.file_kib >> activity.context_switches >>
      activity.cpu_ticks;
  return activity;
}

void print_idle(const char* what, const Activity& before, const Activity& after) {
  std::cout << what << ": VmRSS " << after.rss_kib << " KiB (anonymous " << after.anon_kib
            << ", file " << after.file_kib << ", rest: the binary's ramfs pages); over 10 s: "
            << (after.cpu_ticks - before.cpu_ticks) << " CPU ticks, "
            << (after.context_switches - before.context_switches) << " context switches\n";
}

long median(std::vector<long> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

TEST_CASE("guestd bench: footprint and apply latency in a guest") {
  const GuestdTestKit& kit = GuestdTestKit::get();
  const TestKernel& kernel = kit.newest();
  std::cout << "static binary: " << std::filesystem::file_size(HOTSPLICE_GUESTD_BINARY)
            << " bytes (" << HOTSPLICE_GUESTD_BINARY << ")\n";

  testing::TempDir dir;
  QemuGuest guest = require_ok(QemuGuest::start(QemuGuestOptions(kernel.image, dir / "g")));
  GuestShell& shell = guest.shell();
  require_ok(
      shell.check_output("i=0; until grep -q 'port .* open' /tmp/hotsplice-guestd.log; do "
                         "i=$((i+1)); [ $i -gt 200 ] && exit 1; usleep 50000; done"));
  std::this_thread::sleep_for(2s);

  Activity before = agent_activity(shell);
  std::this_thread::sleep_for(10s);
  print_idle("idle, no host", before, agent_activity(shell));

  // The agent has been waiting with its retry timer at the maximum (5 s): only the driver's
  // SIGIO on the host side opening the port makes it answer quickly.
  auto connecting = std::chrono::steady_clock::now();
  AgentClient agent = require_ok(AgentClient::connect(guest.agent_socket()));
  std::cout << "host connect -> sync_ack after 10 s idle: "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - connecting)
                   .count()
            << " ms\n";
  before = agent_activity(shell);
  std::this_thread::sleep_for(10s);
  print_idle("idle, host connected", before, agent_activity(shell));

  const std::string id = "hs-bench";
  const std::string bundle = kit.bundle(id, kernel.module, kernel.identity);
  std::vector<long> in_guest_ms;
  std::vector<long> round_trip_ms;
  const std::regex logged("bundle hs-bench live ([0-9]+) ms after its last chunk");
  constexpr int kCycles = 10;
  long anon_after_first = 0;
  for (int i = 0; i < kCycles; ++i) {
    require_ok(agent.send_bundle(id, bundle));
    auto started = std::chrono::steady_clock::now();
    auto applied = require_ok(agent.apply(id));
    round_trip_ms.push_back(static_cast<long>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  std::chrono::steady_clock::now() - started)
                                                  .count()));
    REQUIRE(applied.ok);
    std::string log =
        require_ok(shell.check_output("grep 'hs-bench live' /tmp/hotsplice-guestd.log | tail -1"));
    std::smatch match;
    REQUIRE(std::regex_search(log, match, logged));
    in_guest_ms.push_back(std::stol(match[1]));
    REQUIRE(require_ok(agent.rollback(id)).ok);
    if (i == 0) anon_after_first = agent_activity(shell).anon_kib;
  }
  std::cout << "bundle " << bundle.size() << " bytes; last chunk -> applied, in the guest: median "
            << median(in_guest_ms) << " ms (min "
            << *std::min_element(in_guest_ms.begin(), in_guest_ms.end()) << ", max "
            << *std::max_element(in_guest_ms.begin(), in_guest_ms.end())
            << "); apply round trip seen by the host: median " << median(round_trip_ms) << " ms\n";
  Activity after = agent_activity(shell);
  std::cout << "after " << kCycles << " apply/rollback cycles: VmRSS " << after.rss_kib
            << " KiB (anonymous " << after.anon_kib << ", " << anon_after_first
            << " after the first cycle)\n";
}
