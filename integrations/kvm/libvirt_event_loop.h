// The process's libvirt event loop: libvirt's default implementation
// (virEventRegisterDefaultImpl, registered once per process) driven by one thread that
// sleeps in virEventRunDefaultImpl's poll() until a handle or timer is due, so there is no
// busy waiting. libvirt allows one thread to run the default loop at a time, so every
// LibvirtDirectory in the process shares this one: the first acquire() starts the thread,
// the last holder's release stops it (a timer wakes the loop, the thread is joined).
//
// libvirt delivers domain events, connection close notices and keepalives on this thread.
// Nothing here should make blocking libvirt calls: a call waiting for a hung libvirtd would
// stop the keepalive that is meant to end it (LibvirtDirectory makes its calls on its own
// worker thread and only queues work from here). post() runs short jobs on this thread.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "core/base/expected.h"

namespace hotsplice::kvm {

class LibvirtEventLoop {
 public:
  // The running loop, started on first use. Error: errc::kEventLoopFailed when libvirt's
  // event implementation or the wake-up timer cannot be set up.
  static Expected<std::shared_ptr<LibvirtEventLoop>> acquire();

  // Wakes the loop, lets it finish the jobs already posted, and joins the thread. Must not
  // run on the loop thread itself (do not drop the last reference inside a callback).
  ~LibvirtEventLoop();
  LibvirtEventLoop(const LibvirtEventLoop&) = delete;
  LibvirtEventLoop& operator=(const LibvirtEventLoop&) = delete;

  // Runs `job` on the loop thread after the jobs posted before it. Any thread may post,
  // the loop thread included (the job then runs on a later turn of the loop).
  void post(std::function<void()> job);

  bool on_loop_thread() const { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  LibvirtEventLoop() = default;
  static void on_wake(int timer, void* opaque);
  void run();
  void run_posted_jobs();

  int wake_timer_ = -1;  // a libvirt timeout: -1 = idle, 0 = fire on the next loop turn
  std::mutex mutex_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hotsplice::kvm
