// The seam between hostd and whatever knows which guests exist: libvirt domains on a KVM/Xen
// host (integrations/kvm LibvirtDirectory), containers on a shared-kernel node later. The
// rollout engine sees only this interface, so its tests need no hypervisor.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/base/expected.h"

namespace hotsplice::hostd {

// One guest as the directory last saw it.
struct GuestInfo {
  std::string uuid;  // stable identity (libvirt domain UUID); the key of every record
  std::string name;  // for humans; may change
  bool running = false;
  // The host end of the guest's hotsplice channel (a unix socket path libvirt chose), when
  // the domain has the channel; absent means `no_channel`.
  std::optional<std::string> channel_path;
  bool channel_connected = false;  // libvirt's own view of the guest side, when it has one
  std::string kind = "kvm";        // a coverage.h kind::* ("kvm", "xen")
  std::vector<std::string> platform_evidence;  // why kind is believed (for the coverage record)
  // The kernel hostd itself runs on (the "host" record): reached through core/apply, not a
  // channel, so it never is `no_channel`.
  bool local_kernel = false;

  bool reachable() const { return local_kernel || channel_path.has_value(); }

  bool operator==(const GuestInfo&) const = default;
};

class GuestDirectory {
 public:
  // Called on hostd's io_context thread (implementations whose events come from another
  // thread, such as libvirt's event loop, post them there first).
  struct Callbacks {
    std::function<void(const GuestInfo&)> guest_seen;         // appeared or changed
    std::function<void(const std::string& uuid)> guest_gone;  // stopped or undefined
    std::function<void(bool up, const std::string& why)> connection_changed;
  };

  virtual ~GuestDirectory() = default;

  // Starts following guests; every current guest is reported through guest_seen. Fails
  // only on a configuration error: an unreachable hypervisor is reported through
  // connection_changed(false, why) and retried by the implementation.
  virtual Status start(Callbacks callbacks) = 0;
  virtual void stop() = 0;
  // Adds the hotsplice channel to a running guest (live and persistent). done runs on the
  // io_context; on success the changed guest is also reported through guest_seen.
  virtual void attach_channel(const std::string& uuid, std::function<void(Status)> done) = 0;
};

}  // namespace hotsplice::hostd
