// What main() of hotsplice-hostd does once its command line is read, as functions, so that a
// bench build (bench/fanout's hotsplice-hostd-sim) runs the very same daemon with only the
// guest directory swapped.
#pragma once

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <functional>

#include "core/base/log.h"
#include "hostagent/config.h"
#include "hostagent/daemon.h"

namespace hotsplice::hostd {

// The shipped parts: libvirt's domains, the repository cache, guests over their channel,
// the containers on this host's kernel.
DaemonParts standard_parts(boost::asio::io_context& io, Logger& log);

using PartsMaker = std::function<DaemonParts(boost::asio::io_context& io, Logger& log)>;

// Starts the daemon with config and the parts make_parts gives, and runs it until SIGTERM
// or SIGINT. Returns the process exit status: 0 after a clean stop, 1 when it cannot start.
int run_daemon(const std::filesystem::path& config_path, const HostdConfig& config,
               const PartsMaker& make_parts);

}  // namespace hotsplice::hostd
