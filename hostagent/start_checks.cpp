#include "hostagent/start_checks.h"

#include "core/bundle/trusted_keys.h"
#include "core/platform/host_detection.h"
#include "hostagent/api_token.h"
#include "hostagent/error_codes.h"

namespace hotsplice::hostd {

namespace {

bool path_exists(const std::filesystem::path& path) {
  std::error_code ignored;
  return std::filesystem::exists(path, ignored);
}

// What RepositoryCatalog::open refuses or warns about.
void check_repository(const HostdConfig& config, StartCheckReport& report) {
  auto keys = TrustedKeys::load(config.keys_dir);
  if (!keys) {
    report.refusal = keys.error().with_context("loading trusted keys");
    return;
  }
  if (keys->size() == 0) {
    report.warnings.push_back(
        "keys_dir: " + config.keys_dir.string() +
        (path_exists(config.keys_dir) ? " holds no trusted key (*.pub)" : " does not exist") +
        ": every bundle will be refused");
  }
  const auto& directory = config.repository.directory;
  if (directory && !path_exists(*directory)) {
    report.warnings.push_back("repository.directory: " + directory->string() +
                              " does not exist: every sync fails until it does");
  }
}

// What Daemon::start_http does with the token file.
void check_http(const HostdConfig& config, StartCheckReport& report) {
  if (!config.http.enabled) return;
  auto token = load_api_token(config.http.token_file);
  if (token) return;
  if (token.error().code() == errc::kTokenFileUnsafe) {
    report.warnings.push_back("http.token_file: " + token.error().message() +
                              ": the HTTP API will not start");
  } else {
    report.warnings.push_back("http.token_file: " + token.error().message() +
                              ": the HTTP API starts without POST actions");
  }
}

}  // namespace

StartCheckReport check_start(const HostdConfig& config) {
  StartCheckReport report;
  if (auto startable = check_startable(config); !startable) {
    report.refusal = startable;
    return report;
  }
  if (config.host.patch_kernel == HostPatching::on) {
    auto allowed = check_patch_kernel_setting(config, platform::detect_host(config.host.root));
    if (!allowed) {
      report.refusal = allowed.error().with_context("host.patch_kernel \"on\"");
      return report;
    }
  }
  check_repository(config, report);
  if (!report.refusal) return report;
  check_http(config, report);
  return report;
}

Status check_patch_kernel_setting(const HostdConfig& config, const platform::HostReport& host) {
  if (config.host.patch_kernel != HostPatching::on) return Status::ok();
  return platform::check_may_patch_kernel(host);
}

}  // namespace hotsplice::hostd
