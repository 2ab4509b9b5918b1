// hotsplice-guestd: see options.cpp for the command line and agent.h for the loop.
#include <malloc.h>

#include <cstdio>
#include <string>
#include <vector>

#include "core/apply/patch_manager.h"
#include "core/apply/state_store.h"
#include "core/base/log.h"
#include "core/base/version.h"
#include "core/bundle/trusted_keys.h"
#include "core/kernel/kernel_identity_reader.h"
#include "core/livepatch/module_syscalls.h"
#include "core/platform/container_detection.h"
#include "core/protocol/messages.h"
#include "core/protocol/transfer_receiver.h"
#include "guestagent/agent.h"
#include "guestagent/options.h"
#include "guestagent/session.h"
#include "guestagent/signals.h"

using namespace hotsplice;
using namespace hotsplice::guestd;
using hotsplice::apply::PatchManager;
using hotsplice::apply::PatchTimeouts;
using hotsplice::apply::StateStore;

namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int fail(const Logger& log, const std::string& what, const Error& error) {
  log.error(what + ": " + error.code() + ": " + error.message(), {{"code", error.code()}});
  return kExitFailure;
}

int run(const Options& options) {
  Logger log("hotsplice-guestd", options.log_level);
  // A fixed threshold: bundle-sized buffers (hundreds of KiB) always come from mmap and go
  // back to the kernel when freed, instead of glibc raising the threshold after the first
  // free and keeping them in the heap for the rest of the agent's life.
  mallopt(M_MMAP_THRESHOLD, 64 * 1024);
  // Signals first: a SIGTERM during start-up must not kill the agent mid-apply.
  auto signals = Signals::open();
  if (!signals) return fail(log, "start-up", signals.error());

  auto kernel = read_kernel_identity(options.root);
  if (!kernel) return fail(log, "reading the running kernel's identity", kernel.error());
  PlatformReport platform = detect_platform(options.root);
  log.info("kernel " + hotsplice::describe(*kernel) + "; running in a " +
               platform::describe(platform.environment) + ": " + platform.evidence,
           {{"release", kernel->release}, {"build_id", kernel->build_id}});

  auto keys = TrustedKeys::load(options.keys_dir);
  if (!keys) return fail(log, "loading trusted keys", keys.error());
  if (keys->size() == 0) {
    log.warning("no trusted keys in " + options.keys_dir.string() + ": every bundle is refused");
  }
  auto store = StateStore::open(options.state_dir);
  if (!store) return fail(log, "opening the state directory", store.error());

  LinuxModuleSyscalls syscalls;
  PatchTimeouts timeouts;
  timeouts.transition = options.transition_timeout;
  timeouts.settle = options.settle_time;
  PatchManager patches(options.root, *kernel, platform.environment, *keys, *store, syscalls, log,
                       timeouts);
  if (options.clear_crash) {
    // An operator's command; a running daemon sees the cleared record at its next hello.
    Status cleared = patches.clear_crash_record(*options.clear_crash);
    if (!cleared)
      return fail(log, "clearing the crash record of " + *options.clear_crash, cleared.error());
    return 0;
  }
  for (const auto& record : patches.crash_records()) {
    log.warning("bundle " + record.bundle_id + " is blocked: " + record.code +
                    " (clear with hotsplice-guestd --clear-crash " + record.bundle_id + ")",
                {{"bundle_id", record.bundle_id}, {"code", record.code}});
  }
  std::size_t live = patches.apply_stored();
  log.info(std::to_string(live) + " stored bundle(s) live for this kernel", {{"live", live}});
  if (options.apply_stored) return 0;

  auto receiver = protocol::TransferReceiver::open(store->staging_dir(), protocol::kMaxBundleBytes);
  if (!receiver) return fail(log, "opening the staging directory", receiver.error());
  Session session(patches, *receiver, log);
  int exit_code = run_agent(options, session, *signals, log);
  // Stopped (SIGTERM at a clean shutdown, a service stop): a patch still settling has its
  // attempt ended, so a clean reboot is not reported as a crash at the next boot.
  (void)patches.end_settling_at_stop();
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  auto options = parse_options(std::vector<std::string>(argv + 1, argv + argc));
  if (!options) {
    std::fprintf(stderr, "hotsplice-guestd: %s\n", options.error().message().c_str());
    return kExitUsage;
  }
  if (options->help) {
    std::fputs(usage_text(), stdout);
    return 0;
  }
  if (options->version) {
    std::printf("hotsplice-guestd %s\n", kVersion);
    return 0;
  }
  return run(*options);
}
