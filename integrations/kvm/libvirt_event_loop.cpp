#include "integrations/kvm/libvirt_event_loop.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "integrations/kvm/error_codes.h"
#include "integrations/kvm/libvirt_handles.h"

namespace hotsplice::kvm {
namespace {

std::mutex g_loop_mutex;
std::weak_ptr<LibvirtEventLoop> g_loop;  // the running loop, if any
// Held by the thread running the loop: a loop started while the previous one is still
// shutting down waits for it, since libvirt allows one runner of the default loop.
std::mutex g_runner_mutex;

// virEventRegisterDefaultImpl may be called once per process; it must precede the
// connections whose events we want (libvirt registers a connection's socket with the
// implementation that exists when the connection is opened).
Status register_default_impl() {
  static std::once_flag once;
  static int result = 0;
  std::call_once(once, [] { result = virEventRegisterDefaultImpl(); });
  if (result != 0) {
    const char* message = virGetLastErrorMessage();
    return Error(errc::kEventLoopFailed,
                 std::string("virEventRegisterDefaultImpl failed: ") +
                     (message != nullptr ? message : "unknown libvirt error"));
  }
  return Status::ok();
}

}  // namespace

Expected<std::shared_ptr<LibvirtEventLoop>> LibvirtEventLoop::acquire() {
  std::lock_guard lock(g_loop_mutex);
  if (auto running = g_loop.lock()) return running;
  if (Status ok = register_default_impl(); !ok) return ok.error();
  std::shared_ptr<LibvirtEventLoop> loop(new LibvirtEventLoop());
  loop->wake_timer_ = virEventAddTimeout(-1, &LibvirtEventLoop::on_wake, loop.get(), nullptr);
  if (loop->wake_timer_ < 0) {
    return Error(errc::kEventLoopFailed, "virEventAddTimeout failed for the loop's wake-up timer");
  }
  loop->thread_ = std::thread([raw = loop.get()] { raw->run(); });
  g_loop = loop;
  return loop;
}

LibvirtEventLoop::~LibvirtEventLoop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  virEventUpdateTimeout(wake_timer_, 0);  // poll() returns, run() sees stopping_
  if (thread_.joinable()) thread_.join();
  // No loop runs now; libvirt drops the removed timer on the next loop's first turn.
  virEventRemoveTimeout(wake_timer_);
}

void LibvirtEventLoop::post(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  // Updating a timeout interrupts the poll() the loop thread sleeps in.
  virEventUpdateTimeout(wake_timer_, 0);
}

void LibvirtEventLoop::on_wake(int /*timer*/, void* opaque) {
  static_cast<LibvirtEventLoop*>(opaque)->run_posted_jobs();
}

void LibvirtEventLoop::run_posted_jobs() {
  // Disarm first: a job posted from here on re-arms the timer for the next turn.
  virEventUpdateTimeout(wake_timer_, -1);
  std::deque<std::function<void()>> jobs;
  {
    std::lock_guard lock(mutex_);
    jobs.swap(jobs_);
  }
  for (auto& job : jobs) job();
}

void LibvirtEventLoop::run() {
  block_sigpipe_in_this_thread();  // keepalive pings are writes too
  std::lock_guard runner(g_runner_mutex);
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_ && jobs_.empty()) return;
    }
    // Sleeps in poll() until a handle is ready or a timer is due; dispatches them.
    virEventRunDefaultImpl();
  }
}

}  // namespace hotsplice::kvm
