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
  // Daemons are killed after `hard_timeout` even if this process dies without cleaning up.
  static Expected<std::unique_ptr<PrivateLibvirt>> start(
      const std::filesystem::path& work_dir,
      std::chrono::seconds hard_timeout = std::chrono::minutes(15));

  PrivateLibvirt(const PrivateLibvirt&) = delete;
  PrivateLibvirt& operator=(const PrivateLibvirt&) = delete;
  // Destroys every domain, stops the daemons, removes the mounts.
  ~PrivateLibvirt();

  virConnectPtr connection() const { return connection_; }

  struct GuestOptions {
    std::string extra_kernel_args;
    bool agent_channel = true;  // false: only the test port (see DomainSpec)
  };

  // Defines and starts a <domain type='qemu'> (see test_domain_xml); does not wait for it
  // to boot: call LibvirtGuest::wait_until_ready, so several guests boot at once.
  Expected<LibvirtGuest> start_guest(const std::string& name, const GuestImage& image,
                                     const GuestOptions& options);
  Expected<LibvirtGuest> start_guest(const std::string& name, const GuestImage& image);

 private:
  explicit PrivateLibvirt(std::filesystem::path work_dir) : work_dir_(std::move(work_dir)) {}
  Status enter_private_mounts();
  Status start_daemons(std::chrono::seconds hard_timeout);
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

  // The live domain XML (virDomainGetXMLDesc).
  Expected<std::string> live_xml() const;
  // The socket path libvirt generated for a channel, read from the live XML.
  Expected<std::filesystem::path> channel_path(std::string_view port_name) const;

 private:
  friend class PrivateLibvirt;
  LibvirtGuest(virDomainPtr domain, std::string name, std::filesystem::path console_log)
      : domain_(domain), name_(std::move(name)), console_log_(std::move(console_log)) {}

  virDomainPtr domain_ = nullptr;
  std::string name_;
  std::filesystem::path console_log_;
  std::optional<GuestShell> shell_;
};

}  // namespace hotsplice::vm
