// hotsplice-hostd: the host agent. Finds the guests on this host, keeps their kernels
// patched with the verified bundles that target them exactly, and records what it did.
#include <boost/asio/io_context.hpp>
#include <csignal>
#include <iostream>
#include <string>
#include <vector>

#include "core/base/arguments.h"
#include "core/base/version.h"
#include "hostagent/daemon.h"
#include "hostagent/libvirt_guest_directory.h"
#include "hostagent/remote_guest_target.h"
#include "hostagent/repository_catalog.h"
#include "integrations/openvz/container_inventory.h"

namespace {

using namespace hotsplice;
using namespace hotsplice::hostd;

constexpr const char* kUsage = R"(Usage: hotsplice-hostd [--config FILE] [--check-config]
The hotsplice host agent: finds the guests on this host (libvirt), keeps their kernels
patched with the signed bundles that target them exactly, and answers `hotsplice status`,
`hotsplice guests`, ... on its control socket. Configuration: docs/hostd.md.

  --config FILE    configuration (default /etc/hotsplice/hostd.json; absent = all defaults)
  --check-config   read the configuration, report what is wrong, and exit
  --help, --version
Signals: SIGHUP re-reads the configuration; SIGTERM or SIGINT stop.
)";

// The concrete parts: libvirt's domains, the repository cache, guests over their channel,
// the containers on this host's kernel.
DaemonParts make_parts(boost::asio::io_context& io, Logger& log) {
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

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> words(argv + 1, argv + argc);
  auto arguments = Arguments::parse(
      words, {{"config"}, {"check-config", false}, {"help", false}, {"version", false}}, 0);
  if (!arguments) {
    std::cerr << "hotsplice-hostd: " << arguments.error().message() << "\n" << kUsage;
    return 64;
  }
  if (arguments->has("help")) {
    std::cout << kUsage;
    return 0;
  }
  if (arguments->has("version")) {
    std::cout << "hotsplice-hostd " << kVersion << "\n";
    return 0;
  }
  std::filesystem::path config_path = arguments->value("config").value_or(kDefaultConfigPath);
  HostdConfig config;
  std::error_code ignored;
  if (arguments->has("config") || std::filesystem::exists(config_path, ignored)) {
    auto loaded = load_config(config_path);
    if (!loaded) {
      std::cerr << "hotsplice-hostd: " << loaded.error().message() << " [" << loaded.error().code()
                << "]\n";
      return 1;
    }
    config = *loaded;
  }
  if (arguments->has("check-config")) {
    std::cout << config_path.string() << ": OK\n";
    return 0;
  }
  Logger log("hotsplice-hostd");
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
