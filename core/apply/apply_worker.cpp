#include "core/apply/apply_worker.h"

#include <exception>

#include "core/apply/error_codes.h"

namespace hotsplice::apply {

ApplyWorker::ApplyWorker(Post post) : post_(std::move(post)) {
  thread_ = std::thread([this] { run(); });
}

ApplyWorker::~ApplyWorker() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  wake_.notify_all();
  thread_.join();
}

void ApplyWorker::submit(Job job, Done done) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    queue_.push_back({std::move(job), std::move(done)});
  }
  wake_.notify_one();
}

std::size_t ApplyWorker::pending() const {
  std::lock_guard lock(mutex_);
  return queue_.size() + (running_job_ ? 1 : 0);
}

void ApplyWorker::run() {
  for (;;) {
    Entry entry;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      entry = std::move(queue_.front());
      queue_.pop_front();
      running_job_ = true;
    }
    Outcome outcome;
    try {
      outcome = entry.job();
    } catch (const std::exception& error) {
      outcome = Outcome::failure(Error(errc::kInternalError, error.what()));
    } catch (...) {
      outcome = Outcome::failure(Error(errc::kInternalError, "unknown exception"));
    }
    {
      // Not running any more once its result is on its way: pending() never counts a job
      // whose done() already ran on the loop.
      std::lock_guard lock(mutex_);
      running_job_ = false;
    }
    post_([done = std::move(entry.done), result = std::move(outcome)]() mutable {
      done(std::move(result));
    });
  }
}

}  // namespace hotsplice::apply
