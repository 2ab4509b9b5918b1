// The containers on this host's kernel (integrations/openvz's inventory: OpenVZ/Virtuozzo,
// LXC, Docker, Podman, systemd-nspawn, other PID namespaces), scanned every interval and on
// demand. A scan may run tools (prlctl, vzlist, lxc-ls) and ask API sockets (up to their
// timeouts), so it runs on a thread of its own; each result is posted to hostd's io_context.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "core/base/expected.h"
#include "integrations/openvz/container.h"

namespace hotsplice::hostd {

class ContainerDirectory {
 public:
  using Scan = std::function<Expected<openvz::ContainerList>()>;
  using Report = std::function<void(Expected<openvz::ContainerList>)>;

  // scan runs on the directory's thread; report on the io_context, once per scan.
  ContainerDirectory(boost::asio::io_context& io, Scan scan, std::chrono::seconds interval,
                     Report report);
  // Waits for a scan in progress (bounded by the inventory's tool and API timeouts).
  ~ContainerDirectory();
  ContainerDirectory(const ContainerDirectory&) = delete;
  ContainerDirectory& operator=(const ContainerDirectory&) = delete;

  // Scans now (and then every interval); a request during a scan runs one more after it.
  void rescan();
  void set_interval(std::chrono::seconds interval);

 private:
  void run();

  boost::asio::io_context& io_;
  Scan scan_;
  Report report_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::chrono::seconds interval_;
  bool requested_ = true;  // the first scan runs at once
  bool stopping_ = false;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace hotsplice::hostd
