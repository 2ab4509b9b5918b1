// hotsplice-hostd-sim: the real hotsplice-hostd daemon (hostagent: rollout engine, channel
// sessions, repository catalog, SQLite state, control socket) whose guests are the sockets of
// hotsplice-guestd-sim instead of libvirt's domains. Bench and test build target only.
//
//   hotsplice-hostd-sim --config FILE --sockets DIR
#include <cstdio>
#include <string>
#include <vector>

#include "bench/fanout/sim_guest_directory.h"
#include "core/base/arguments.h"
#include "hostagent/config.h"
#include "hostagent/daemon_parts.h"

int main(int argc, char** argv) {
  using namespace hotsplice;
  auto arguments = Arguments::parse(std::vector<std::string>(argv + 1, argv + argc),
                                    {{"config"}, {"sockets"}}, 0);
  auto config_path = arguments ? arguments->required("config") : arguments.error();
  auto sockets = arguments ? arguments->required("sockets") : arguments.error();
  if (!config_path || !sockets) {
    std::fprintf(stderr, "usage: hotsplice-hostd-sim --config FILE --sockets DIR\n");
    return 64;
  }
  auto config = hostd::load_config(*config_path);
  if (!config) {
    std::fprintf(stderr, "hotsplice-hostd-sim: %s [%s]\n", config.error().message().c_str(),
                 config.error().code().c_str());
    return 1;
  }
  std::filesystem::path socket_dir = *sockets;
  return hostd::run_daemon(*config_path, *config,
                           [&socket_dir](boost::asio::io_context& io, Logger& log) {
                             auto parts = hostd::standard_parts(io, log);
                             parts.make_directory = [&io, &socket_dir](const hostd::HostdConfig&) {
                               return std::unique_ptr<hostd::GuestDirectory>(
                                   std::make_unique<bench::SimGuestDirectory>(io, socket_dir));
                             };
                             return parts;
                           });
}
