#include "hostagent/settle_watcher.h"

#include <future>
#include <optional>
#include <vector>

#include "core/apply/error_codes.h"

namespace hotsplice::hostd {

namespace asio = boost::asio;

SettleWatcher::SettleWatcher(asio::io_context& io, apply::PatchManager& manager,
                             apply::ApplyWorker& worker)
    : io_(io), manager_(manager), worker_(worker), timer_(io) {}

void SettleWatcher::watch() {
  if (watching_) return;
  watching_ = true;
  check();
}

void SettleWatcher::check() {
  // PatchManager is not thread-safe: it is read on the worker only, and the answers travel.
  struct Checked {
    std::vector<apply::Outcome> concluded;
    std::optional<std::chrono::steady_clock::time_point> next;
  };
  auto checked = std::make_shared<Checked>();
  std::weak_ptr<int> alive = alive_;
  worker_.submit(
      [&manager = manager_, checked] {
        checked->concluded = manager.poll_settling();
        checked->next = manager.next_settle_check();
        return apply::Outcome::success("");
      },
      [this, alive, checked](const apply::Outcome&) {
        if (alive.expired()) return;
        for (const apply::Outcome& outcome : checked->concluded) {
          if (outcome.code == apply::errc::kKernelBugDetected && on_kernel_bug_) on_kernel_bug_();
        }
        if (!checked->next) {
          watching_ = false;  // nothing settles; the next apply calls watch() again
          return;
        }
        timer_.expires_at(*checked->next);
        timer_.async_wait([this, alive](boost::system::error_code ec) {
          if (!ec && !alive.expired()) check();
        });
      });
}

void SettleWatcher::end_at_stop() {
  timer_.cancel();
  watching_ = false;
  std::promise<void> ended;
  std::future<void> done = ended.get_future();
  worker_.submit(
      [&manager = manager_, &ended] {
        // The waiter is released whatever happens (ApplyWorker turns a throw into an outcome).
        struct Release {
          std::promise<void>& ended;
          ~Release() { ended.set_value(); }
        } release{ended};
        (void)manager.end_settling_at_stop();  // each patch's end is logged there
        return apply::Outcome::success("");
      },
      [](const apply::Outcome&) {});
  done.wait();
}

}  // namespace hotsplice::hostd
