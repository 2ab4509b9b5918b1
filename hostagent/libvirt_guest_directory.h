// The GuestDirectory hostd runs with on a KVM/Xen host: integrations/kvm's LibvirtDirectory
// (its own libvirt event-loop thread), its reports re-posted to hostd's io_context. The
// channel path is the host end of the domain's hotsplice channel from its live XML.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "hostagent/config.h"
#include "hostagent/guest_directory.h"
#include "integrations/kvm/libvirt_directory.h"

namespace hotsplice::hostd {

class LibvirtGuestDirectory : public GuestDirectory {
 public:
  LibvirtGuestDirectory(boost::asio::io_context& io, const HostdConfig& config);
  ~LibvirtGuestDirectory() override;

  Status start(Callbacks callbacks) override;
  void stop() override;
  // Runs libvirt's (blocking) attach on a helper thread; done is posted to the io_context.
  void attach_channel(const std::string& uuid, std::function<void(Status)> done) override;

 private:
  boost::asio::io_context& io_;
  kvm::LibvirtOptions options_;
  std::unique_ptr<kvm::LibvirtDirectory> directory_;
  std::mutex helpers_mutex_;
  std::vector<std::thread> helpers_;
};

// What hostd needs of a libvirt domain report.
GuestInfo guest_info_from(const kvm::DomainInfo& domain);

}  // namespace hotsplice::hostd
