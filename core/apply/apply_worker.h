// Runs blocking PatchManager operations (a transition wait can take 15 s + 5 s, an unload
// as long again) on one worker thread, in the order they were submitted, so the daemon's
// event loop never blocks on the kernel. Each job's result goes back to the event loop
// through the injected post function: hostd passes `asio::post(io_context, ...)`, guestd a
// queue it drains on its poll loop's wake-up fd.
//
// One thread is enough and is the point: the kernel runs one livepatch transition at a time
// system-wide, and PatchManager is not thread-safe, so jobs on one kernel must not overlap.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

#include "core/apply/outcome.h"

namespace hotsplice::apply {

class ApplyWorker {
 public:
  using Post = std::function<void(std::function<void()>)>;
  using Job = std::function<Outcome()>;
  using Done = std::function<void(Outcome)>;

  // post is called on the worker thread, once per finished job, with a callable that runs
  // that job's done(outcome); it must hand the callable to the event loop (and may run it
  // right away when there is no loop, e.g. in tests).
  explicit ApplyWorker(Post post);
  // Waits for the job in progress (a kernel transition cannot be abandoned halfway) and
  // posts its result; jobs not yet started are dropped and their done is never called.
  ~ApplyWorker();
  ApplyWorker(const ApplyWorker&) = delete;
  ApplyWorker& operator=(const ApplyWorker&) = delete;

  // Queues job; done(outcome) runs through post once job returned. A job that throws
  // yields Outcome::failure with code "internal_error".
  void submit(Job job, Done done);

  // Jobs queued or running.
  std::size_t pending() const;

 private:
  struct Entry {
    Job job;
    Done done;
  };

  void run();

  Post post_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Entry> queue_;
  bool running_job_ = false;
  bool stopping_ = false;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace hotsplice::apply
