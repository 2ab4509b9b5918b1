#include "hostagent/daemon_parts.h"

#include <sys/resource.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "hostagent/libvirt_guest_directory.h"
#include "hostagent/remote_guest_target.h"
#include "hostagent/repository_catalog.h"
#include "integrations/openvz/container_inventory.h"

namespace hotsplice::hostd {

DaemonParts standard_parts(boost::asio::io_context& io, Logger& log) {
  DaemonParts parts;
  parts.make_directory = [&io](const HostdConfig& config) -> std::unique_ptr<GuestDirectory> {
    return std::make_unique<LibvirtGuestDirectory>(io, config);
  };
  parts.make_catalog =
      [&io, &log](const HostdConfig& config,
                  std::function<void()> on_changed) -> Expected<std::unique_ptr<BundleCatalog>> {
    auto catalog = RepositoryCatalog::open(io, config, log, std::move(on_changed));
    if (!catalog) return catalog.error();
    return std::unique_ptr<BundleCatalog>(std::move(*catalog));
  };
  parts.make_target_factory = [&io, &log](const HostdConfig& config) {
    return remote_guest_targets(io, config.timeouts, log);
  };
  parts.scan_containers = [](const HostdConfig& config) {
    openvz::InventoryOptions options;
    options.root = config.host.root;
    return openvz::enumerate_containers(options);
  };
  return parts;
}

namespace {

// hostd keeps one channel socket open per guest (plus the database, the control socket and
// libvirt's): past ~1000 guests that exceeds the soft limit of 1024 descriptors systemd gives
// services by default, and every further guest would fail with EMFILE. The hard limit is
// systemd's 512Ki; hostd uses poll/epoll (Asio), never select(), so raising the soft limit
// to it is safe (as systemd.exec(5) recommends for such programs).
void raise_descriptor_limit(Logger& log) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  rlim_t was = limit.rlim_cur;
  limit.rlim_cur = limit.rlim_max;
  if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
    log.warning("cannot raise the open file limit", {{"error", std::strerror(errno)}});
    return;
  }
  log.debug("open file limit raised", {{"from", was}, {"to", limit.rlim_cur}});
}

}  // namespace

int run_daemon(const std::filesystem::path& config_path, const HostdConfig& config,
               const PartsMaker& make_parts) {
  Logger log("hotsplice-hostd");
  raise_descriptor_limit(log);
  boost::asio::io_context io;
  // Writes to a socket whose peer left must come back as EPIPE, not kill the daemon.
  std::signal(SIGPIPE, SIG_IGN);
  Daemon daemon(io, config_path, config, log, make_parts(io, log));
  if (auto status = daemon.start(); !status) {
    log.error("hotsplice-hostd cannot start",
              {{"code", status.error().code()}, {"error", status.error().message()}});
    return 1;
  }
  io.run();
  log.info("hotsplice-hostd stopped");
  return 0;
}

}  // namespace hotsplice::hostd
