// A private virtlogd + libvirtd for one test process, and the guests it runs.
//
// libvirtd running as root keeps its sockets, state and config in fixed places (/run/libvirt,
// /var/lib/libvirt, /etc/libvirt, ...). To touch none of the machine's and let parallel runs
// coexist, start() moves the *calling process* into a private mount namespace and
// bind-mounts fresh directories over those places (and an empty file over /dev/kvm, which
// hangs on the test machines). The daemons and everything the test starts afterwards (e.g.
// a host agent) share that view, so socket paths read from the live domain XML work as they
// are. Undone by the destructor; call start() before the process starts any thread.
#pragma once

#include <libvirt/libvirt.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/base/expected.h"
#include "tests/vm/harness/child_process.h"
#include "tests/vm/harness/guest_image.h"
#include "tests/vm/harness/guest_shell.h"

namespace hotsplice::vm {

class LibvirtGuest;

class PrivateLibvirt {
 public:
  // Daemons are killed after `hard_timeout` even if this process dies without cleaning up
  // (and guests power off after it); 0: no limit, only the destructor stops them.
  static Expected<std::unique_ptr<PrivateLibvirt>> start(
      const std::filesystem::path& work_dir,
      std::chrono::seconds hard_timeout = std::chrono::minutes(15));

  PrivateLibvirt(const PrivateLibvirt&) = delete;
  PrivateLibvirt& operator=(const PrivateLibvirt&) = delete;
  // Destroys every domain, stops the daemons, removes the mounts.
  ~PrivateLibvirt();

  // The harness's own connection (replaced by restart_libvirtd).
  virConnectPtr connection() const { return connection_; }

  enum class AgentChannel { present, absent };
  enum class QemuGuestAgentChannel { absent, present };

  // Defines and starts a <domain type='qemu'> (see test_domain_xml); does not wait for it
  // to boot: call LibvirtGuest::wait_until_ready, so several guests boot at once. With
  // AgentChannel::absent the domain has only the test channel (for hot-plug tests); with
  // QemuGuestAgentChannel::present it also has org.qemu.guest_agent.0 (the image must start
  // qemu-ga on it). The guest must not outlive this PrivateLibvirt.
  Expected<LibvirtGuest> start_guest(
      const std::string& name, const GuestImage& image, const std::string& extra_kernel_args = "",
      AgentChannel agent_channel = AgentChannel::present,
      QemuGuestAgentChannel qemu_guest_agent = QemuGuestAgentChannel::absent);

  // Kills libvirtd with SIGKILL (as a crash would), starts it again and reconnects. The
  // guests keep running (QEMU does not depend on libvirtd) and the new libvirtd takes them
  // over; clients of the old daemon see their connection close.
  Status restart_libvirtd(const Deadline& deadline);

  // Stops (SIGSTOP) and continues (SIGCONT) libvirtd: a daemon that hangs without closing
  // its sockets, which only keepalives reveal. Do not use connection() while it is stopped.
  void pause_libvirtd();
  void resume_libvirtd();

 private:
  explicit PrivateLibvirt(std::filesystem::path work_dir) : work_dir_(std::move(work_dir)) {}
  Status enter_private_mounts();
  Status start_daemons();  // each under `timeout -s KILL lifetime_`
  Expected<ChildProcess> start_daemon(const std::string& program);
  Status connect(const Deadline& deadline);
  void destroy_all_domains();
  void kill_leftover_qemus();

  std::filesystem::path work_dir_;
  std::vector<std::filesystem::path> mounts_;  // mount points, in mount order
  std::optional<ChildProcess> virtlogd_;
  std::optional<ChildProcess> libvirtd_;
  virConnectPtr connection_ = nullptr;
  std::chrono::seconds lifetime_{0};
};

class LibvirtGuest {
 public:
  LibvirtGuest(LibvirtGuest&& other) noexcept;
  LibvirtGuest& operator=(LibvirtGuest&&) = delete;
  LibvirtGuest(const LibvirtGuest&) = delete;
  ~LibvirtGuest();  // destroys and undefines the domain

  // Waits for the readiness marker on the console, then connects the test shell through the
  // test channel's socket (path read from the live XML). Fails fast on panic or shutdown.
  Status wait_until_ready(const Deadline& deadline);

  GuestShell& shell() { return *shell_; }
  const std::string& name() const { return name_; }
  const std::filesystem::path& console_log() const { return console_log_; }

  const std::string& uuid() const { return uuid_; }

  // The live domain XML (virDomainGetXMLDesc).
  Expected<std::string> live_xml() const;
  // The socket path libvirt generated for a channel, read from the live XML with
  // integrations/kvm's domain XML reader.
  Expected<std::filesystem::path> channel_path(std::string_view port_name) const;

 private:
  friend class PrivateLibvirt;
  LibvirtGuest(PrivateLibvirt* owner, std::string uuid, std::string name,
               std::filesystem::path console_log)
      : owner_(owner),
        uuid_(std::move(uuid)),
        name_(std::move(name)),
        console_log_(std::move(console_log)) {}
  // Looked up on the owner's current connection, so the guest survives a libvirtd restart.
  virDomainPtr lookup() const;

  PrivateLibvirt* owner_ = nullptr;
  std::string uuid_;
  std::string name_;
  std::filesystem::path console_log_;
  std::optional<GuestShell> shell_;
};

}  // namespace hotsplice::vm
