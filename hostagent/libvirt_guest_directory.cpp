#include "hostagent/libvirt_guest_directory.h"

#include <boost/asio/post.hpp>

#include "hostagent/coverage.h"

namespace hotsplice::hostd {

namespace asio = boost::asio;

GuestInfo guest_info_from(const kvm::DomainInfo& domain) {
  GuestInfo info;
  info.uuid = domain.uuid;
  info.name = domain.name;
  info.running = domain.running;
  info.kind = domain.hypervisor == "xen" ? kind::kXen : kind::kKvm;
  info.platform_evidence.push_back("libvirt domain type " + domain.hypervisor);
  if (domain.agent_channel) {
    const kvm::ChannelInfo& channel = *domain.agent_channel;
    // Only a unix socket can be connected to; a pty channel (Xen) or an inactive domain's
    // channel has no path, and the guest is then reported as having no usable channel.
    if (channel.source_type == kvm::ChannelSourceType::unix_socket &&
        !channel.source_path.empty()) {
      info.channel_path = channel.source_path;
    }
    info.channel_connected = channel.state == kvm::ChannelState::connected;
  }
  return info;
}

LibvirtGuestDirectory::LibvirtGuestDirectory(asio::io_context& io, const HostdConfig& config)
    : io_(io) {
  options_.uri = config.libvirt_uri;
  options_.channel_name = config.channel_name;
  options_.reconnect_interval =
      std::chrono::duration_cast<std::chrono::milliseconds>(config.reconnect_interval);
}

LibvirtGuestDirectory::~LibvirtGuestDirectory() {
  stop();
}

Status LibvirtGuestDirectory::start(Callbacks callbacks) {
  // Each report crosses from libvirt's thread to the io_context; the directory never
  // calls hostd's code on its own thread.
  auto shared = std::make_shared<Callbacks>(std::move(callbacks));
  kvm::DirectoryCallbacks forward;
  forward.domain_seen = [this, shared](kvm::DomainInfo domain) {
    asio::post(io_, [shared, info = guest_info_from(domain)] {
      if (shared->guest_seen) shared->guest_seen(info);
    });
  };
  forward.domain_gone = [this, shared](std::string uuid) {
    asio::post(io_, [shared, uuid = std::move(uuid)] {
      if (shared->guest_gone) shared->guest_gone(uuid);
    });
  };
  forward.connection_changed = [this, shared](bool up, std::string why) {
    asio::post(io_, [shared, up, why = std::move(why)] {
      if (shared->connection_changed) shared->connection_changed(up, why);
    });
  };
  auto opened = kvm::LibvirtDirectory::open(options_, std::move(forward));
  if (!opened) return opened.error();
  directory_ = std::move(*opened);
  return Status::ok();
}

void LibvirtGuestDirectory::stop() {
  std::vector<std::thread> helpers;
  {
    std::lock_guard lock(helpers_mutex_);
    helpers.swap(helpers_);
  }
  for (auto& helper : helpers) helper.join();
  directory_.reset();  // no callback runs after this
}

void LibvirtGuestDirectory::attach_channel(const std::string& uuid,
                                           std::function<void(Status)> done) {
  if (!directory_) return;
  std::lock_guard lock(helpers_mutex_);
  helpers_.emplace_back([this, uuid, done = std::move(done)]() mutable {
    Status status = directory_->attach_agent_channel(uuid);
    asio::post(io_, [done = std::move(done), status = std::move(status)]() mutable {
      done(std::move(status));
    });
  });
}

}  // namespace hotsplice::hostd
