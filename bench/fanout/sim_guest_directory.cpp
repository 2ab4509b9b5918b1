#include "bench/fanout/sim_guest_directory.h"

#include <boost/asio/post.hpp>
#include <vector>

#include "bench/fanout/error_codes.h"
#include "core/base/file_io.h"

namespace hotsplice::bench {

Status SimGuestDirectory::start(Callbacks callbacks) {
  callbacks_ = std::move(callbacks);
  std::vector<hostd::GuestInfo> guests;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(socket_dir_, error)) {
    if (entry.path().extension() != ".sock") continue;
    hostd::GuestInfo info;
    info.uuid = entry.path().stem().string();
    info.name = "sim-" + info.uuid.substr(info.uuid.size() - 6);
    info.running = true;
    info.channel_path = entry.path().string();
    info.channel_connected = true;
    guests.push_back(std::move(info));
  }
  if (error) {
    return io_error("listing " + socket_dir_.string(), error.value());
  }
  boost::asio::post(io_, [this, guests = std::move(guests)] {
    if (callbacks_.connection_changed) callbacks_.connection_changed(true, "");
    for (const auto& guest : guests) callbacks_.guest_seen(guest);
  });
  return Status::ok();
}

void SimGuestDirectory::attach_channel(const std::string&, std::function<void(Status)> done) {
  boost::asio::post(io_, [done = std::move(done)] {
    done(Error(errc::kHotplugUnsupported, "simulated guests always have their channel"));
  });
}

}  // namespace hotsplice::bench
