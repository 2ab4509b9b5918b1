// ApplyWorker with a hand-rolled "event loop": a queue the test thread drains, standing in
// for asio::post. Checks that jobs run off the posting thread, in order, one at a time,
// that results come back only through post, and that destruction waits for the running job.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/apply/apply_worker.h"
#include "core/apply/error_codes.h"

using namespace hotsplice;
using namespace hotsplice::apply;
using namespace std::chrono_literals;

namespace {

// The event loop's side: callables posted by the worker, run by the test thread.
class LoopQueue {
 public:
  ApplyWorker::Post post() {
    return [this](std::function<void()> callable) {
      std::lock_guard lock(mutex_);
      posted_.push_back(std::move(callable));
      arrived_.notify_all();
    };
  }
  // Runs posted callables until count ran, waiting at most 10 s for them.
  void run(std::size_t count) {
    for (std::size_t ran = 0; ran < count; ++ran) {
      std::function<void()> next;
      {
        std::unique_lock lock(mutex_);
        REQUIRE(arrived_.wait_for(lock, 10s, [this] { return !posted_.empty(); }));
        next = std::move(posted_.front());
        posted_.pop_front();
      }
      next();
    }
  }
  std::size_t waiting() {
    std::lock_guard lock(mutex_);
    return posted_.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::deque<std::function<void()>> posted_;
};

Outcome ok(std::string message) {
  return Outcome::success(std::move(message));
}

}  // namespace

TEST_CASE("apply worker: jobs run in order off the loop thread, results come back posted") {
  LoopQueue loop;
  ApplyWorker worker(loop.post());
  const auto loop_thread = std::this_thread::get_id();
  std::vector<std::string> order;  // touched by done callbacks only, on this thread
  std::atomic<int> running{0};
  std::atomic<bool> overlapped{false};
  for (int i = 0; i < 5; ++i) {
    worker.submit(
        [&, i] {
          if (running.fetch_add(1) != 0) overlapped = true;
          CHECK(std::this_thread::get_id() != loop_thread);
          std::this_thread::sleep_for(20ms);
          running.fetch_sub(1);
          return ok("job " + std::to_string(i));
        },
        [&](Outcome outcome) {
          CHECK(std::this_thread::get_id() == loop_thread);
          order.push_back(outcome.message);
        });
  }
  CHECK(order.empty());  // nothing runs done() but the loop
  loop.run(5);
  CHECK(order == std::vector<std::string>{"job 0", "job 1", "job 2", "job 3", "job 4"});
  CHECK_FALSE(overlapped);
  CHECK(worker.pending() == 0);
}

TEST_CASE("apply worker: a job that throws becomes an internal_error outcome") {
  LoopQueue loop;
  ApplyWorker worker(loop.post());
  std::optional<Outcome> result;
  worker.submit([]() -> Outcome { throw std::runtime_error("boom"); },
                [&](Outcome outcome) { result = std::move(outcome); });
  loop.run(1);
  REQUIRE(result);
  CHECK_FALSE(result->ok);
  CHECK(result->code == errc::kInternalError);
  CHECK(result->message == "boom");
}

TEST_CASE("apply worker: destruction waits for the running job and drops the queued ones") {
  LoopQueue loop;
  std::atomic<bool> first_started{false};
  std::atomic<bool> first_finished{false};
  std::atomic<bool> second_ran{false};
  {
    ApplyWorker worker(loop.post());
    worker.submit(
        [&] {
          first_started = true;
          std::this_thread::sleep_for(200ms);  // a transition in progress
          first_finished = true;
          return ok("first");
        },
        [](Outcome) {});
    worker.submit(
        [&] {
          second_ran = true;
          return ok("second");
        },
        [](Outcome) {});
    while (!first_started) std::this_thread::sleep_for(1ms);
    CHECK(worker.pending() == 2);
  }
  CHECK(first_finished);
  CHECK_FALSE(second_ran);
  CHECK(loop.waiting() == 1);  // the first job's result was still posted
}
