// PatchTarget over the kernel hostd runs on: each operation is a job on the HostKernel's
// ApplyWorker (PatchManager is blocking and not thread-safe), its result posted back to the
// io_context. The bundle bytes go to the state directory's staging/ before the apply, as a
// guest's transfer does; PatchManager verifies them again (signature, module sha256, exact
// target kernel) before anything is loaded. An apply completes when its transition does, as
// a guest's; the settle time that follows is the SettleWatcher's, off the worker (a bug in
// it shows as a kernel_bug_detected crash record in the next hello).
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>

#include "core/apply/apply_worker.h"
#include "core/apply/patch_manager.h"
#include "core/apply/state_store.h"
#include "hostagent/patch_target.h"
#include "hostagent/settle_watcher.h"

namespace hotsplice::hostd {

class LocalKernelTarget final : public PatchTarget {
 public:
  // Everything referenced must outlive the target's pending jobs: the HostKernel that owns
  // them destroys its worker first.
  LocalKernelTarget(boost::asio::io_context& io, apply::PatchManager& manager,
                    const apply::StateStore& store, apply::ApplyWorker& worker,
                    SettleWatcher& settle);
  ~LocalKernelTarget() override;

  void handshake(HelloDone done) override;
  void send_bundle(const std::string& bundle_id, std::shared_ptr<const std::string> bundle_bytes,
                   Done done) override;
  void apply(const std::string& bundle_id, Done done) override;
  void apply_clearing_crash_record(const std::string& bundle_id, Done done) override;
  void rollback(const std::string& bundle_id, Done done) override;
  // A job already running finishes (a transition is never abandoned); its result is dropped
  // and the pending completion runs with target_closed instead.
  void close() override;

 private:
  struct Shared;
  // after runs on the io_context once the job finished, even when the target was closed
  // meanwhile (what the job did to the kernel needs its follow-up either way).
  void submit(apply::ApplyWorker::Job job, Done done, std::function<void()> after = nullptr);
  // Applies the bundle send_bundle staged, clearing its crash record first when asked.
  void apply_staged(const std::string& bundle_id, bool clear_crash_record, Done done);

  boost::asio::io_context& io_;
  apply::PatchManager& manager_;
  const apply::StateStore& store_;
  apply::ApplyWorker& worker_;
  SettleWatcher& settle_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace hotsplice::hostd
