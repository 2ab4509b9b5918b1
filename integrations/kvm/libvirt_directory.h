// The libvirt guest directory: which domains a libvirt host has, whether each has the
// hotsplice agent channel and where its host-side socket is, kept current by libvirt's
// events and across libvirtd restarts.
//
// Threads. Every callback runs on the libvirt event-loop thread (see libvirt_event_loop.h),
// one at a time and in order; hostd re-posts them to its own io_context. A callback must not
// block for long (it holds up libvirt's keepalive) and must not destroy the directory.
// The public methods may be called from any thread. libvirt writes to its sockets with
// write(2), so a call made while libvirtd dies raises SIGPIPE in the calling thread: the
// event-loop thread blocks SIGPIPE; a process calling attach_agent_channel from its own
// threads must ignore or block SIGPIPE too (hostd does, as every daemon with sockets must).
//
// What is reported:
// - domain_seen(info): on open and after every reconnect (every domain, running or merely
//   defined); when a domain is started, resumed, suspended or defined; when a device is
//   added or removed; after refresh(uuid) and attach_agent_channel(uuid); and when the slow
//   rescan (LibvirtOptions::rescan_interval) finds a domain changed, e.g. its agent channel
//   went from disconnected to connected. Events that change nothing are not re-reported,
//   except by refresh() and after a reconnect.
// - domain_gone(uuid): the domain stopped or was undefined: its channel is gone, sessions with
//   it end. A persistent domain that stopped is reported right after by domain_seen with
//   running=false (so "gone" never leaves hostd believing a stopped guest still runs).
// - connection_changed(up, why): the connection came up (after open or a reconnect, before
//   the domains are re-reported) or went down (libvirtd stopped, crashed or stopped
//   answering keepalives). While down, domains are not reported gone: guests keep running
//   and their channel sockets stay valid without libvirtd.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/expected.h"
#include "integrations/kvm/domain_xml.h"

namespace hotsplice::kvm {

struct LibvirtOptions {
  std::string uri = "qemu:///system";  // any libvirt URI; test:///default in unit tests
  std::string channel_name = std::string(kAgentChannelName);  // 1-127 of [A-Za-z0-9._-]
  // First retry after the connection is lost or could not be opened; doubles per failed
  // attempt up to reconnect_max_interval.
  std::chrono::milliseconds reconnect_interval{1000};
  std::chrono::milliseconds reconnect_max_interval{30000};
  // How often every domain's XML is re-read: libvirt has no event for the state of a
  // channel other than qemu-ga's, so the agent channel's connected/disconnected state is
  // followed this way (and after every event).
  std::chrono::milliseconds rescan_interval{10000};
  // libvirt keepalive: a libvirtd that does not answer for interval * (count + 1) is
  // considered gone. 0 disables keepalive (the test driver has none).
  int keepalive_interval_seconds = 5;
  unsigned keepalive_count = 3;
};

// virDomainGetState's answer.
enum class DomainState {
  no_state,
  running,
  blocked,
  paused,
  shutdown,
  shutoff,
  crashed,
  pm_suspended
};
std::string_view to_string(DomainState state);

struct DomainInfo {
  std::string uuid;  // canonical lowercase form, the key of every report
  std::string name;
  int id = -1;           // libvirt's domain id while active, -1 otherwise
  bool running = false;  // active: the domain has a process (running or paused, ...)
  DomainState state = DomainState::no_state;
  std::string hypervisor;  // <domain type>: "kvm", "qemu", "xen", "test"
  // The agent channel (LibvirtOptions::channel_name) from the live XML; nullopt when the
  // domain has none ("no_channel"). A running QEMU domain's unix channel has its generated
  // socket path in source_path.
  std::optional<ChannelInfo> agent_channel;

  bool operator==(const DomainInfo&) const = default;
};

// Any callback may be left empty.
struct DirectoryCallbacks {
  std::function<void(DomainInfo)> domain_seen;
  std::function<void(std::string uuid)> domain_gone;
  std::function<void(bool up, std::string why)> connection_changed;
  // A domain whose live XML was refused by the reader (domain_xml.h errors): it is not
  // reported (or its last report stands) rather than reported without a channel it may have.
  std::function<void(std::string uuid, Error why)> domain_unreadable;
};

class LibvirtEventLoop;

class LibvirtDirectory {
 public:
  using Callbacks = DirectoryCallbacks;

  // Starts (or joins) the process's libvirt event loop and connects to options.uri on it.
  // A connection that cannot be made yet is not an error: it is reported with
  // connection_changed(false, why) and retried with backoff. Errors: errc::kInvalidOptions,
  // errc::kChannelNameInvalid, errc::kEventLoopFailed.
  static Expected<std::unique_ptr<LibvirtDirectory>> open(LibvirtOptions options,
                                                          Callbacks callbacks);

  // Stops reporting: deregisters every libvirt callback and closes the connection on the
  // event-loop thread, and waits for that. No callback runs after the destructor returns.
  ~LibvirtDirectory();
  LibvirtDirectory(const LibvirtDirectory&) = delete;
  LibvirtDirectory& operator=(const LibvirtDirectory&) = delete;

  // The domains as last reported by domain_seen (and not gone since), ordered by name.
  std::vector<DomainInfo> list() const;
  bool connected() const;

  // Re-reads one domain on the event-loop thread and reports it with domain_seen, or
  // domain_gone if it no longer exists. Returns at once.
  void refresh(const std::string& uuid);

  // Hot-plugs `<channel type='unix'><source mode='bind'/><target type='virtio'
  // name='<channel_name>'/></channel>` into the domain, live (if it is running) and into its
  // persistent definition (virDomainAttachDeviceFlags, VIR_DOMAIN_AFFECT_LIVE|CONFIG), then
  // reports the domain again with domain_seen, carrying the socket path libvirt generated.
  // Blocks the calling thread for the libvirt call (usually well under a second, bounded by
  // the keepalive). Errors: errc::kNotConnected, errc::kDomainNotFound,
  // errc::kChannelAttachFailed (with libvirt's message, e.g. a driver without hot-plug).
  Status attach_agent_channel(const std::string& uuid);

 private:
  class Impl;
  LibvirtDirectory(std::shared_ptr<LibvirtEventLoop> loop, std::shared_ptr<Impl> impl);
  // Declared first, destroyed last: the loop thread is joined only after the Impl is gone.
  std::shared_ptr<LibvirtEventLoop> loop_;
  std::shared_ptr<Impl> impl_;
};

}  // namespace hotsplice::kvm
