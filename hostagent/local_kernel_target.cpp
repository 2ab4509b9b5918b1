#include "hostagent/local_kernel_target.h"

#include <boost/asio/post.hpp>

#include "core/base/file_io.h"
#include "core/base/names.h"
#include "core/base/version.h"
#include "hostagent/error_codes.h"

namespace hotsplice::hostd {

namespace asio = boost::asio;

// What the jobs and their completions share with the target: whether it was closed, and the
// completion of the operation in flight (at most one: the engine never overlaps them).
struct LocalKernelTarget::Shared {
  bool closed = false;
  Done pending;
};

namespace {

Status status_of(const apply::Outcome& outcome) {
  if (outcome.ok) return Status::ok();
  return Error(outcome.code, outcome.message);
}

apply::Outcome ok_outcome() {
  return apply::Outcome::success("");
}

}  // namespace

LocalKernelTarget::LocalKernelTarget(asio::io_context& io, apply::PatchManager& manager,
                                     const apply::StateStore& store, apply::ApplyWorker& worker,
                                     SettleWatcher& settle)
    : io_(io),
      manager_(manager),
      store_(store),
      worker_(worker),
      settle_(settle),
      shared_(std::make_shared<Shared>()) {}

LocalKernelTarget::~LocalKernelTarget() {
  close();
}

void LocalKernelTarget::submit(apply::ApplyWorker::Job job, Done done,
                               std::function<void()> after) {
  if (shared_->closed) {
    asio::post(io_, [done = std::move(done)] {
      done(Error(errc::kTargetClosed, "the host kernel target was closed"));
    });
    return;
  }
  shared_->pending = std::move(done);
  worker_.submit(std::move(job),
                 [shared = shared_, after = std::move(after)](apply::Outcome outcome) {
                   if (after) after();
                   if (shared->closed || !shared->pending) return;  // close() already answered
                   Done finished = std::move(shared->pending);
                   shared->pending = nullptr;
                   finished(status_of(outcome));
                 });
}

void LocalKernelTarget::handshake(HelloDone done) {
  auto hello = std::make_shared<TargetHello>();
  submit(
      // The manager, not this: a queued job may outlive the target (never the HostKernel).
      [&manager = manager_, hello] {
        hello->kernel = manager.running_kernel();
        hello->applied = manager.applied_patches();
        // The crash-loop guard's records: a bundle whose load began in an earlier boot that
        // never settled is not re-applied, and the engine shows the host failed with
        // crashed_last_time until an operator applies it again.
        hello->crash_records = manager.crash_records();
        hello->agent_version = std::string("hotsplice-hostd ") + kVersion;
        return ok_outcome();
      },
      [hello, done = std::move(done)](Status status) {
        if (!status) return done(status.error());
        done(std::move(*hello));
      });
}

void LocalKernelTarget::send_bundle(const std::string& bundle_id,
                                    std::shared_ptr<const std::string> bundle_bytes, Done done) {
  // The id names a file: only the catalogue's well-formed ids get this far, checked again.
  if (!is_valid_bundle_id(bundle_id)) {
    asio::post(io_, [done = std::move(done), bundle_id] {
      done(Error(errc::kUnknownBundle, "not a bundle id: " + bundle_id));
    });
    return;
  }
  std::filesystem::path file = store_.staging_dir() / (bundle_id + ".hsb");
  submit(
      [file, bundle_bytes] {
        if (auto written = write_file_atomically(file, *bundle_bytes, 0600); !written) {
          return apply::Outcome::failure(written.error());
        }
        return ok_outcome();
      },
      std::move(done));
}

void LocalKernelTarget::apply(const std::string& bundle_id, Done done) {
  apply_staged(bundle_id, /*clear_crash_record=*/false, std::move(done));
}

void LocalKernelTarget::apply_clearing_crash_record(const std::string& bundle_id, Done done) {
  apply_staged(bundle_id, /*clear_crash_record=*/true, std::move(done));
}

void LocalKernelTarget::apply_staged(const std::string& bundle_id, bool clear_crash_record,
                                     Done done) {
  std::filesystem::path file = store_.staging_dir() / (bundle_id + ".hsb");
  submit(
      [&manager = manager_, bundle_id, file, clear_crash_record] {
        if (clear_crash_record) {
          if (auto cleared = manager.clear_crash_record(bundle_id); !cleared) {
            return apply::Outcome::failure(cleared.error());
          }
        }
        apply::Outcome outcome = manager.apply_bundle_file(bundle_id, file);
        // Applied bundles are kept in applied/; a refused one is not kept either way.
        std::error_code ignored;
        std::filesystem::remove(file, ignored);
        return outcome;
      },
      // The settle time runs from here, checked between other jobs.
      std::move(done), [&settle = settle_] { settle.watch(); });
}

void LocalKernelTarget::rollback(const std::string& bundle_id, Done done) {
  submit([&manager = manager_, bundle_id] { return manager.rollback(bundle_id); }, std::move(done));
}

void LocalKernelTarget::close() {
  if (shared_->closed) return;
  shared_->closed = true;
  if (!shared_->pending) return;
  asio::post(io_, [done = std::move(shared_->pending)] {
    done(Error(errc::kTargetClosed, "the host kernel target was closed"));
  });
  shared_->pending = nullptr;
}

}  // namespace hotsplice::hostd
