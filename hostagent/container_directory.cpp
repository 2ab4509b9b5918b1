#include "hostagent/container_directory.h"

#include <boost/asio/post.hpp>

namespace hotsplice::hostd {

ContainerDirectory::ContainerDirectory(boost::asio::io_context& io, Scan scan,
                                       std::chrono::seconds interval, Report report)
    : io_(io),
      scan_(std::move(scan)),
      report_(std::move(report)),
      interval_(interval),
      thread_([this] { run(); }) {}

ContainerDirectory::~ContainerDirectory() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void ContainerDirectory::rescan() {
  {
    std::lock_guard lock(mutex_);
    requested_ = true;
  }
  wake_.notify_all();
}

void ContainerDirectory::set_interval(std::chrono::seconds interval) {
  {
    std::lock_guard lock(mutex_);
    interval_ = interval;
  }
  wake_.notify_all();
}

void ContainerDirectory::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait_for(lock, interval_, [this] { return stopping_ || requested_; });
    if (stopping_) return;
    requested_ = false;
    lock.unlock();
    auto list = scan_();
    // report_ outlives the io_context's handlers only as long as the directory does: the
    // daemon stops the io_context before destroying it, so a late post is never run.
    boost::asio::post(
        io_, [report = report_, list = std::move(list)]() mutable { report(std::move(list)); });
    lock.lock();
  }
}

}  // namespace hotsplice::hostd
