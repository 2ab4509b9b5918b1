// The crash-loop guard's settle time on the host's own kernel, without holding hostd's
// worker: after an apply (or the boot-time re-apply) the transition is done and the patch
// settles for PatchTimeouts::settle (60 s) while PatchManager watches taint and the kernel
// log. Each check (PatchManager::poll_settling) is a short job on the ApplyWorker, run at
// next_settle_check() (at most a second apart) by a timer on hostd's io_context, so the
// worker is free for hellos, rollbacks and other applies between checks, and the engine's
// apply completes when the transition does, as a guest's does (guestd polls the same way).
// A patch concluded kernel_bug_detected (rolled back, blocked) calls on_kernel_bug, so the
// engine can ask the host's hello again and show it failed.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>

#include "core/apply/apply_worker.h"
#include "core/apply/patch_manager.h"

namespace hotsplice::hostd {

class SettleWatcher {
 public:
  // manager and worker must outlive the watcher's jobs: their owner destroys the worker
  // first. Everything here runs on io's thread.
  SettleWatcher(boost::asio::io_context& io, apply::PatchManager& manager,
                apply::ApplyWorker& worker);
  SettleWatcher(const SettleWatcher&) = delete;
  SettleWatcher& operator=(const SettleWatcher&) = delete;

  // Called (on the io_context) when a settling patch concluded kernel_bug_detected.
  void on_kernel_bug(std::function<void()> callback) { on_kernel_bug_ = std::move(callback); }
  // Checks the settling patches until none is left; a no-op while already checking. Call
  // after every job that may have started a settle time.
  void watch();
  // hostd is stopping: runs PatchManager::end_settling_at_stop on the worker (after the job
  // in progress and those queued before it) and waits for it, so a clean reboot now is not
  // taken for a crash at the next boot. Blocks the caller: only at stop.
  void end_at_stop();
  // Whether a settle check is scheduled or running.
  bool watching() const { return watching_; }

 private:
  void check();

  boost::asio::io_context& io_;
  apply::PatchManager& manager_;
  apply::ApplyWorker& worker_;
  boost::asio::steady_timer timer_;
  std::function<void()> on_kernel_bug_;
  bool watching_ = false;
  // Completions posted after the watcher is gone see it expired and do nothing.
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

}  // namespace hotsplice::hostd
