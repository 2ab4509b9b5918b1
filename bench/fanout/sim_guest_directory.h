// A GuestDirectory for benches and fault tests: every "<uuid>.sock" in one directory is a
// running guest whose hotsplice channel is that socket (hotsplice-guestd-sim's layout).
// Lives in bench/ and is linked only into hotsplice-hostd-sim: the shipped hostd finds
// guests through libvirt.
#pragma once

#include <boost/asio/io_context.hpp>
#include <filesystem>

#include "hostagent/guest_directory.h"

namespace hotsplice::bench {

class SimGuestDirectory final : public hostd::GuestDirectory {
 public:
  SimGuestDirectory(boost::asio::io_context& io, std::filesystem::path socket_dir)
      : io_(io), socket_dir_(std::move(socket_dir)) {}

  // Lists the sockets once (guests of a simulation do not come and go) and reports each
  // through guest_seen on the io_context. Fails when the directory cannot be read.
  Status start(Callbacks callbacks) override;
  void stop() override {}
  // Simulated guests always have their channel: refused with `unsupported`.
  void attach_channel(const std::string& uuid, std::function<void(Status)> done) override;

 private:
  boost::asio::io_context& io_;
  std::filesystem::path socket_dir_;
  Callbacks callbacks_;
};

}  // namespace hotsplice::bench
