// hotsplice-hostd's core: one io_context runs everything — the guest directory's events, the
// channel sessions, the rollout engine, the control socket, timers and signals. SIGHUP
// re-reads the config (a refused file keeps the running one, with a log line); SIGTERM and
// SIGINT stop cleanly (control socket removed, sessions closed, database closed).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "core/base/log.h"
#include "core/platform/host_detection.h"
#include "hostagent/api_model.h"
#include "hostagent/api_router.h"
#include "hostagent/bundle_catalog.h"
#include "hostagent/config.h"
#include "hostagent/container_directory.h"
#include "hostagent/control_server.h"
#include "hostagent/guest_directory.h"
#include "hostagent/host_kernel.h"
#include "hostagent/http_server.h"
#include "hostagent/instance_lock.h"
#include "hostagent/patch_target.h"
#include "hostagent/rollout_engine.h"
#include "hostagent/state_db.h"
#include "hostagent/systemd_notifier.h"
#include "integrations/openvz/container.h"

namespace hotsplice::hostd {

// The concrete parts main() plugs in: where guests come from, where bundles come from, and
// how a guest is reached. Each is made from the config when the daemon starts.
struct DaemonParts {
  std::function<std::unique_ptr<GuestDirectory>(const HostdConfig&)> make_directory;
  // on_changed: call it (on the io_context) when the set of bundles changed.
  std::function<Expected<std::unique_ptr<BundleCatalog>>(const HostdConfig&,
                                                         std::function<void()> on_changed)>
      make_catalog;
  std::function<TargetFactory(const HostdConfig&)> make_target_factory;
  // The containers on the host's kernel (integrations/openvz); absent: none are listed.
  std::function<Expected<openvz::ContainerList>(const HostdConfig&)> scan_containers;
};

class Daemon : public ApiModel {
 public:
  Daemon(boost::asio::io_context& io, std::filesystem::path config_path, HostdConfig config,
         Logger& log, DaemonParts parts);
  ~Daemon() override;

  // Opens the state, starts the engine, the control socket and the directory. Any failure
  // here is a reason not to run (exit status 1): a bad database, a second hostd.
  Status start();
  void stop();
  void reload();

  // The control socket's answers.
  std::string handle(const ControlRequest& request);
  Json status_json() const;
  // The HTTP API's port once listening (0 when it is off or failed to start).
  std::uint16_t http_port() const { return http_ ? http_->port() : 0; }

  // ApiModel, for the HTTP API and the control socket.
  std::vector<CoverageRecord> coverage() const override;
  Json host() const override;
  Json guest_directory() const override;
  Expected<std::vector<GuestBundleRow>> history(const std::string& id) const override;
  Expected<std::vector<GuestBundleRow>> events_after(std::int64_t cursor,
                                                     std::size_t limit) const override;
  std::vector<CatalogBundle> bundles() const override;
  std::string metrics() const override;
  Expected<Json> apply(const std::string& guest, const std::string& patch) override;
  Expected<Json> rollback(const std::string& guest, const std::string& patch) override;
  Json pause() override;
  Json resume() override;
  Json rollout_status() const override;

  // {"path", "write_error": null or {code, message}}: a database that cannot be written
  // (a full disk) does not stop hostd, so the operator reads it here.
  Json database_status() const;

 private:
  // Starts the HTTP API when enabled. Never fatal: a token file others can read, or an
  // address in use, leaves the API off (logged, and shown by status) and hostd patching.
  void start_http();
  void on_signal(const boost::system::error_code& ec, int signal);
  void wait_signals();
  void schedule_tick();
  void schedule_watchdog(std::chrono::microseconds interval);
  void publish_status();
  void on_guest_seen(const GuestInfo& info);
  // Hot-plugs the channel into a running guest without one, when the config allows (once
  // per guest per run).
  void consider_hotplug(const GuestInfo& info);
  // Detects where hostd runs (core/platform) and, when host.patch_kernel and the
  // environment allow, adds the host's own kernel and the container directory. In a
  // container or an unknown environment the host kernel is not patched (with "on" that is
  // a reason not to start).
  Status start_host();
  void on_containers(Expected<openvz::ContainerList> list);
  Json host_json() const;
  // "guest directory URI disconnected since T (why): unknown until it reconnects": the reason
  // every VM record gives while the directory is down.
  std::string directory_down_reason() const;

  boost::asio::io_context& io_;
  std::filesystem::path config_path_;
  HostdConfig config_;
  Logger& log_;
  DaemonParts parts_;
  SystemdNotifier notifier_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer tick_timer_;
  boost::asio::steady_timer watchdog_timer_;
  // Held for the daemon's life: one hostd per state_dir (taken before anything is read).
  std::optional<InstanceLock> instance_lock_;
  std::optional<StateDb> db_;
  std::unique_ptr<BundleCatalog> catalog_;
  std::unique_ptr<RolloutEngine> engine_;
  std::unique_ptr<GuestDirectory> directory_;
  std::unique_ptr<ControlServer> control_;
  platform::HostReport host_report_;
  std::string host_why_;  // why the host kernel is not patched; empty when it is
  std::unique_ptr<HostKernel> host_kernel_;
  std::unique_ptr<ContainerDirectory> containers_;
  std::vector<openvz::Container> container_list_;
  std::vector<std::string> container_warnings_;
  std::optional<Clock::time_point> containers_scanned_;
  std::unique_ptr<ApiRouter> router_;
  std::unique_ptr<HttpServer> http_;
  std::string http_problem_;  // why the API is off or its POST actions are disabled
  Json host_facts_;           // hostname, kernel, environment: read once at start
  bool directory_up_ = false;
  std::string directory_why_ = "not connected yet";
  Clock::time_point directory_since_;  // when directory_up_ last changed (hostd's start first)
  std::set<std::string> hotplug_tried_;
  std::map<std::string, GuestInfo> known_guests_;  // uuid -> as last seen
  std::string last_status_;
  Clock::time_point started_;
  bool stopping_ = false;
};

}  // namespace hotsplice::hostd
