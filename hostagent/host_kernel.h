// The node's own kernel as hostd patches it: core/apply's PatchManager (the same component,
// verification and trampoline module guestd uses inside a VM) over a state directory of its
// own (host.state_dir), with its blocking work (module loads, transition waits of up to
// 15 s + 5 s) on one ApplyWorker whose results are posted to hostd's io_context. On a
// shared-kernel node this one kernel is every container's; hostd shows it as the coverage
// record with id "host".
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>

#include "core/apply/apply_worker.h"
#include "core/apply/patch_manager.h"
#include "core/apply/state_store.h"
#include "core/base/expected.h"
#include "core/base/log.h"
#include "core/bundle/trusted_keys.h"
#include "core/kernel/kernel_identity.h"
#include "core/livepatch/module_syscalls.h"
#include "core/platform/environment.h"
#include "core/protocol/message_parts.h"
#include "hostagent/config.h"
#include "hostagent/guest_directory.h"
#include "hostagent/patch_target.h"
#include "hostagent/settle_watcher.h"

namespace hotsplice::hostd {

// The id of the host's own kernel in the rollout engine and the coverage records.
inline constexpr char kHostId[] = "host";

class HostKernel {
 public:
  // Reads the running kernel's identity and the hostname under config.host.root, loads the
  // trusted keys of config.keys_dir and opens config.host.state_dir (created 0700). Errors:
  // those of read_kernel_identity, TrustedKeys::load and StateStore::open. environment is
  // what core/platform found (PatchManager refuses to load anything in a container anyway).
  static Expected<std::unique_ptr<HostKernel>> open(boost::asio::io_context& io,
                                                    const HostdConfig& config,
                                                    platform::Environment environment,
                                                    const Logger& log);
  ~HostKernel();
  HostKernel(const HostKernel&) = delete;
  HostKernel& operator=(const HostKernel&) = delete;

  // Queues the re-application of the stored bundles (PatchManager::apply_stored) as the
  // worker's first job, so every hello is answered after it; done(live count) on the
  // io_context.
  void apply_stored(std::function<void(std::size_t live)> done);
  // Called on the io_context when a patch's settle time ended in kernel_bug_detected (rolled
  // back, blocked): hostd asks the host's hello again.
  void on_kernel_bug(std::function<void()> callback) { settle_.on_kernel_bug(std::move(callback)); }
  // hostd is stopping: patches still settling end their attempt as a clean stop
  // (SettleWatcher::end_at_stop). Blocks until the worker did it.
  void end_settling_at_stop() { settle_.end_at_stop(); }
  // A PatchTarget over this kernel (the engine makes one per connect).
  std::unique_ptr<PatchTarget> make_target();
  // How the host appears to the rollout engine: uuid "host", its hostname, always running.
  GuestInfo guest_info() const;
  const KernelIdentity& kernel() const { return manager_.running_kernel(); }

 private:
  HostKernel(boost::asio::io_context& io, const HostdConfig& config, KernelIdentity kernel,
             platform::Environment environment, TrustedKeys keys, apply::StateStore store,
             std::string hostname, const Logger& log);

  boost::asio::io_context& io_;
  std::string hostname_;
  TrustedKeys keys_;
  apply::StateStore store_;
  LinuxModuleSyscalls syscalls_;
  apply::PatchManager manager_;
  apply::ApplyWorker worker_;  // destroyed before the manager, waiting for a running job
  SettleWatcher settle_;       // last: its timer goes first
};

}  // namespace hotsplice::hostd
