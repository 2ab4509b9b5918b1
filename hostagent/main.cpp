// hotsplice-hostd: the host agent. Finds the guests on this host, keeps their kernels
// patched with the verified bundles that target them exactly, and records what it did.
#include <iostream>
#include <string>
#include <vector>

#include "core/base/arguments.h"
#include "core/base/version.h"
#include "hostagent/daemon_parts.h"
#include "hostagent/start_checks.h"

namespace {

using namespace hotsplice;
using namespace hotsplice::hostd;

constexpr const char* kUsage = R"(Usage: hotsplice-hostd [--config FILE] [--check-config]
The hotsplice host agent: finds the guests on this host (libvirt), keeps their kernels
patched with the signed bundles that target them exactly, and answers `hotsplice status`,
`hotsplice guests`, ... on its control socket. Configuration: docs/hostd.md.

  --config FILE    configuration (default /etc/hotsplice/hostd.json); every key has a
                   default except the repository (directory or url), so an absent
                   file is refused
  --check-config   run a start's checks on the configuration and exit: 1 with the
                   refusal a start would give, else OK (0) after a warning, naming
                   the key, for each thing a start would run without
  --help, --version
Signals: SIGHUP re-reads the configuration; SIGTERM or SIGINT stop.
)";

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
  const bool present = arguments->has("config") || std::filesystem::exists(config_path, ignored);
  if (present) {
    auto loaded = load_config(config_path);
    if (!loaded) {
      std::cerr << "hotsplice-hostd: " << loaded.error().message() << " [" << loaded.error().code()
                << "]\n";
      return 1;
    }
    config = *loaded;
  }
  const std::string described =
      config_path.string() + (present ? "" : ": absent (every key at its default)");
  auto refuse = [&](const Error& error) {
    std::cerr << "hotsplice-hostd: " << described << ": " << error.message() << " [" << error.code()
              << "]\n";
    return 1;
  };
  if (arguments->has("check-config")) {
    // The checks a start makes before it touches state: refused here what a start refuses,
    // warned (naming the key) what a start accepts but runs without.
    StartCheckReport report = check_start(config);
    if (!report.refusal) return refuse(report.refusal.error());
    for (const auto& warning : report.warnings) {
      std::cerr << "hotsplice-hostd: " << described << ": warning: " << warning << "\n";
    }
    std::cout << described << ": OK";
    if (!report.warnings.empty()) {
      std::cout << ", with " << report.warnings.size() << " warning(s) above";
    }
    std::cout << "\n";
    return 0;
  }
  if (auto startable = check_startable(config); !startable) return refuse(startable.error());
  return run_daemon(config_path, config, standard_parts);
}
