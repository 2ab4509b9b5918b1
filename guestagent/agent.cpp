#include "guestagent/agent.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "guestagent/channel.h"
#include "guestagent/error_codes.h"
#include "guestagent/port_finder.h"

namespace hotsplice::guestd {
namespace {

using std::chrono::milliseconds;

// Hot-plug is rare: looking for the port every few seconds costs nothing.
constexpr milliseconds kPortLookupInterval{3000};
// While the host side is closed the port reports hang-up at once, so it cannot be polled.
// The driver sends SIGIO when the host opens it; this timer is only the fallback, growing
// so an absent host costs (almost) no wake-ups.
constexpr milliseconds kFirstHostRetry{100};
constexpr milliseconds kMaxHostRetry{5000};

class OpenPort {
 public:
  explicit OpenPort(int fd) : fd_(fd) {}
  ~OpenPort() { ::close(fd_); }
  OpenPort(const OpenPort&) = delete;
  OpenPort& operator=(const OpenPort&) = delete;
  int fd() const { return fd_; }

 private:
  int fd_;
};

bool is_socket(int fd) {
  struct stat info {};
  return ::fstat(fd, &info) == 0 && S_ISSOCK(info.st_mode);
}

// Asks for SIGIO when the port's state changes (the host side opening it, data arriving).
void request_sigio(int fd) {
  ::fcntl(fd, F_SETOWN, ::getpid());
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_ASYNC | O_NONBLOCK);
}

enum class HostSide { open, absent, port_gone };

// A virtio port whose host side is closed reports POLLHUP with POLLIN (a read returns end of
// file at once); an unplugged port reports POLLHUP alone (virtio_console's port_fops_poll).
// Bytes a departed host left unread are dropped with it: the next host starts with a sync.
HostSide host_side(int fd) {
  pollfd descriptor{fd, POLLIN, 0};
  if (::poll(&descriptor, 1, 0) < 0) return HostSide::port_gone;
  short revents = descriptor.revents;
  if (!(revents & (POLLHUP | POLLERR | POLLNVAL))) return HostSide::open;
  if ((revents & POLLHUP) && (revents & POLLIN) && !(revents & (POLLERR | POLLNVAL))) {
    return HostSide::absent;
  }
  return HostSide::port_gone;
}

// signals.wait, cut short when a settling patch is due for a health check (which runs
// here too: a host need not be connected for the settle time to pass).
void wait_settling(Signals& signals, Session& session, milliseconds timeout) {
  if (auto next = session.next_settle_check()) {
    auto left = std::chrono::ceil<milliseconds>(*next - std::chrono::steady_clock::now());
    timeout = std::clamp(left, milliseconds(0), timeout);
  }
  signals.wait(timeout);
  session.settle();
}

std::optional<std::filesystem::path> locate_port(const Options& options) {
  if (options.port_path) return *options.port_path;
  return find_port_device(options.root, options.port_name);
}

}  // namespace

int run_agent(const Options& options, Session& session, Signals& signals, const Logger& log) {
  bool said_waiting = false;
  while (!signals.stop_requested()) {
    auto device = locate_port(options);
    Expected<int> opened = device ? open_port(*device) : Error(errc::kPortAbsent, "port not found");
    if (!opened) {
      if (!said_waiting) {
        log.info("waiting for port " + options.port_name + ": " + opened.error().message(),
                 {{"port", options.port_name}});
        said_waiting = true;
      }
      wait_settling(signals, session, kPortLookupInterval);
      continue;
    }
    said_waiting = false;
    OpenPort port(*opened);
    const bool socket = is_socket(port.fd());
    request_sigio(port.fd());
    log.info("port " + device->string() + " open", {{"device", device->string()}});

    milliseconds retry = kFirstHostRetry;
    bool reopen = false;
    while (!reopen && !signals.stop_requested()) {
      HostSide host = host_side(port.fd());
      if (host == HostSide::port_gone && !socket) {
        log.info("port " + device->string() + " went away", {{"device", device->string()}});
        signals.wait(kFirstHostRetry);  // never a tight open/close loop, whatever the port does
        break;                          // look it up again: it may come back under another name
      }
      if (host != HostSide::open) {
        if (socket) return 0;  // a socket's peer does not come back
        wait_settling(signals, session, retry);
        retry = std::min(retry * 2, kMaxHostRetry);
        continue;
      }
      retry = kFirstHostRetry;
      ChannelStats stats;
      ChannelEnd end = serve_channel(port.fd(), session, signals, stats, log);
      if (end == ChannelEnd::stop_requested) break;
      if (stats.frames_received > 0) {
        log.info("host disconnected after " + std::to_string(stats.frames_received) + " frames" +
                     (stats.replies_dropped == 0 ? std::string()
                                                 : " (" + std::to_string(stats.replies_dropped) +
                                                       " replies dropped: it was not reading)"),
                 {{"frames", stats.frames_received}, {"replies_dropped", stats.replies_dropped}});
        if (options.once) return 0;
      }
      if (socket) return 0;
      if (end == ChannelEnd::port_failed) {
        // Unplugged or broken: look it up again, but not in a tight loop.
        reopen = true;
        wait_settling(signals, session, kPortLookupInterval);
      }
    }
  }
  log.info("stopping");
  return 0;
}

}  // namespace hotsplice::guestd
