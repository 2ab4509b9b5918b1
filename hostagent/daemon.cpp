#include "hostagent/daemon.h"

#include <unistd.h>

#include <map>

#include "core/base/version.h"
#include "core/kernel/kernel_identity_reader.h"
#include "core/platform/host_detection.h"
#include "core/protocol/message_parts.h"
#include "hostagent/api_token.h"
#include "hostagent/api_views.h"
#include "hostagent/container_coverage.h"
#include "hostagent/error_codes.h"
#include "hostagent/metrics.h"
#include "hostagent/start_checks.h"

namespace hotsplice::hostd {

namespace asio = boost::asio;

namespace {

// What /api/v1/host says about this machine that does not change while hostd runs.
// root: host.root ("/" in production, a recorded tree in tests).
Json read_host_facts(const std::filesystem::path& root) {
  char name[256] = {};
  ::gethostname(name, sizeof name - 1);
  Json facts = {{"hostname", std::string(name)}};
  auto kernel = read_kernel_identity(root);
  facts["kernel"] = kernel ? to_json(*kernel) : Json(nullptr);
  facts["kernel_error"] = kernel ? Json(nullptr) : Json(kernel.error().message());
  auto report = platform::detect_host(root);
  Json evidence = Json::array();
  for (const auto& e : report.evidence) evidence.push_back(e.source + ": " + e.finding);
  Json environment = report.environment ? protocol::to_json(*report.environment) : Json::object();
  environment["kind"] = environment.contains("kind") ? environment["kind"] : Json("unknown");
  environment["evidence"] = evidence;
  environment["openvz_node"] = report.openvz_node;
  environment["hypervisor_host"] = report.hypervisor_host;
  facts["environment"] = environment;
  return facts;
}

}  // namespace

Daemon::Daemon(asio::io_context& io, std::filesystem::path config_path, HostdConfig config,
               Logger& log, DaemonParts parts)
    : io_(io),
      config_path_(std::move(config_path)),
      config_(std::move(config)),
      log_(log),
      parts_(std::move(parts)),
      signals_(io, SIGHUP, SIGTERM, SIGINT),
      tick_timer_(io),
      watchdog_timer_(io) {}

Daemon::~Daemon() = default;

Status Daemon::start() {
  started_ = Clock::now();
  directory_since_ = started_;
  log_.set_level(config_.log_level);
  // One hostd per state: refused before the database, the repository cache, the state
  // directories or the host kernel are read or written.
  auto lock = InstanceLock::acquire(config_.state_dir);
  if (!lock) return lock.error();
  instance_lock_.emplace(std::move(*lock));
  if (auto alone = check_no_other_hostd(config_.control_socket); !alone) return alone;
  wait_signals();
  // Where hostd runs decides first: with host.patch_kernel "on", a container or an unknown
  // environment is a reason not to start at all.
  host_report_ = platform::detect_host(config_.host.root);
  if (auto allowed = check_patch_kernel_setting(config_, host_report_); !allowed) return allowed;
  auto db = StateDb::open(config_.database);
  if (!db) return db.error();
  db_.emplace(std::move(*db));
  auto catalog = parts_.make_catalog(config_, [this] {
    if (engine_) engine_->catalog_changed();
  });
  if (!catalog) return catalog.error();
  catalog_ = std::move(*catalog);
  // The host's own kernel is reached through core/apply, every guest through its channel.
  TargetFactory remote = parts_.make_target_factory(config_);
  TargetFactory targets = [this, remote](const GuestInfo& info) -> std::unique_ptr<PatchTarget> {
    if (info.local_kernel && host_kernel_) return host_kernel_->make_target();
    return remote(info);
  };
  engine_ = std::make_unique<RolloutEngine>(*db_, *catalog_, std::move(targets), log_,
                                            [] { return Clock::now(); });
  if (auto s = engine_->start(config_.rollout, config_.timeouts); !s) return s;
  if (auto s = start_host(); !s) return s;
  control_ = std::make_unique<ControlServer>(
      io_, log_, [this](const ControlRequest& request) { return handle(request); });
  if (auto s = control_->listen(config_.control_socket); !s) return s;
  host_facts_ = read_host_facts(config_.host.root);
  start_http();
  if (parts_.make_directory) directory_ = parts_.make_directory(config_);
  if (directory_) {
    GuestDirectory::Callbacks callbacks;
    callbacks.guest_seen = [this](const GuestInfo& info) { on_guest_seen(info); };
    callbacks.guest_gone = [this](const std::string& uuid) {
      known_guests_.erase(uuid);
      engine_->guest_gone(uuid);
    };
    callbacks.connection_changed = [this](bool up, const std::string& why) {
      if (up != directory_up_) directory_since_ = Clock::now();
      directory_up_ = up;
      directory_why_ = why;
      // While it is down, VM records are unknown (what they said before is last_known) and
      // operator requests on them are refused (docs/hostd.md, "Control socket").
      engine_->directory_changed(up, up ? std::string() : directory_down_reason());
      if (up) {
        log_.info("guest directory connected", {{"uri", config_.libvirt_uri}});
      } else {
        log_.warning("guest directory unreachable; retrying",
                     {{"uri", config_.libvirt_uri}, {"why", why}});
      }
      publish_status();
    };
    if (auto s = directory_->start(std::move(callbacks)); !s) return s;
  } else {
    directory_why_ = "no guest directory in this build";
  }
  schedule_tick();
  if (auto interval = SystemdNotifier::heartbeat_interval()) schedule_watchdog(*interval);
  log_.info("hotsplice-hostd started", {{"version", kVersion},
                                        {"config", config_path_.string()},
                                        {"database", config_.database.string()},
                                        {"control_socket", config_.control_socket.string()}});
  publish_status();
  notifier_.ready(last_status_);
  return Status::ok();
}

Status Daemon::start_host() {
  const std::string evidence = platform::describe_evidence(host_report_.evidence);
  if (config_.host.patch_kernel == HostPatching::off) {
    host_why_ = "host.patch_kernel is off";
    log_.info("not patching this host's kernel: host.patch_kernel is off");
    return Status::ok();
  }
  Status allowed = platform::check_may_patch_kernel(host_report_);
  if (allowed) {
    auto kernel = HostKernel::open(io_, config_, *host_report_.environment, log_);
    if (kernel) {
      host_kernel_ = std::move(*kernel);
    } else {
      allowed = kernel.error();
    }
  }
  if (!allowed) {
    // "on" is the operator's explicit wish: not being able to honour it is fatal.
    if (config_.host.patch_kernel == HostPatching::on) return allowed;
    host_why_ = allowed.error().message();
    log_.warning("not patching this host's kernel: " + host_why_,
                 {{"code", allowed.error().code()}});
    return Status::ok();
  }
  log_.info("patching this host's kernel",
            {{"release", host_kernel_->kernel().release},
             {"build_id", host_kernel_->kernel().build_id},
             {"openvz_node", host_report_.openvz_node ? "yes" : "no"},
             {"evidence", evidence}});
  // A patch that made the kernel show a bug while it settled was rolled back: the host's
  // next hello says so (kernel_bug_detected), asked for now rather than at the next recheck.
  host_kernel_->on_kernel_bug([this] {
    if (engine_ && !stopping_) engine_->refresh(kHostId);
  });
  host_kernel_->apply_stored([this](std::size_t live) {
    log_.info(std::to_string(live) + " stored bundle(s) live on the host kernel", {{"live", live}});
  });
  GuestInfo host = host_kernel_->guest_info();
  for (const auto& item : host_report_.evidence) {
    host.platform_evidence.push_back(item.source + ": " + item.finding);
  }
  engine_->guest_seen(host);
  if (config_.host.containers && parts_.scan_containers) {
    containers_ = std::make_unique<ContainerDirectory>(
        io_, [scan = parts_.scan_containers, config = config_] { return scan(config); },
        config_.host.container_rescan,
        [this](Expected<openvz::ContainerList> list) { on_containers(std::move(list)); });
  }
  return Status::ok();
}

void Daemon::on_containers(Expected<openvz::ContainerList> list) {
  if (stopping_) return;
  containers_scanned_ = Clock::now();
  if (!list) {
    // Keep the last list: a failed scan does not make running containers vanish.
    container_warnings_ = {list.error().message()};
    log_.warning("container scan failed",
                 {{"code", list.error().code()}, {"error", list.error().message()}});
    return;
  }
  std::set<std::string> before;
  for (const auto& c : container_list_) before.insert(c.id);
  for (const auto& c : list->containers) {
    if (!before.count(c.id)) {
      log_.info("container found",
                {{"id", c.id}, {"name", c.name}, {"source", c.source}, {"status", c.status}});
    }
  }
  if (list->warnings != container_warnings_) {
    for (const auto& warning : list->warnings) log_.warning("container scan: " + warning);
  }
  container_list_ = std::move(list->containers);
  container_warnings_ = std::move(list->warnings);
  publish_status();
}

std::string Daemon::directory_down_reason() const {
  return "guest directory " + config_.libvirt_uri + " disconnected since " +
         format_utc(directory_since_) + " (" + directory_why_ + "): unknown until it reconnects";
}

std::vector<CoverageRecord> Daemon::coverage() const {
  auto records = engine_->coverage();
  const CoverageRecord* host = nullptr;
  for (const auto& record : records) {
    if (record.id == kHostId) host = &record;
  }
  if (!host_kernel_ || !host) return records;
  auto containers = container_records(*host, container_list_);
  records.insert(records.end(), std::make_move_iterator(containers.begin()),
                 std::make_move_iterator(containers.end()));
  return records;
}

Json Daemon::host_json() const {
  Json evidence = Json::array();
  for (const auto& item : host_report_.evidence) {
    evidence.push_back({{"source", item.source}, {"finding", item.finding}});
  }
  Json environment = nullptr;
  if (host_report_.environment) environment = protocol::to_json(*host_report_.environment);
  return {{"patch_kernel", host_patching_name(config_.host.patch_kernel)},
          {"patching", host_kernel_ != nullptr},
          {"why_not", host_why_},
          {"environment", environment},
          {"openvz_node", host_report_.openvz_node},
          {"hypervisor_host", host_report_.hypervisor_host},
          {"evidence", evidence},
          {"containers",
           {{"scanning", containers_ != nullptr},
            {"count", container_list_.size()},
            {"last_scan", containers_scanned_ ? Json(format_utc(*containers_scanned_)) : Json()},
            {"warnings", container_warnings_}}}};
}

void Daemon::start_http() {
  if (!config_.http.enabled) {
    http_problem_ = "disabled by the config (http.enabled)";
    return;
  }
  std::optional<std::string> token;
  auto loaded = load_api_token(config_.http.token_file);
  if (loaded) {
    token = *loaded;
  } else if (loaded.error().code() == errc::kTokenFileUnsafe) {
    http_problem_ = loaded.error().message();
    log_.error("HTTP API not started",
               {{"code", loaded.error().code()}, {"error", loaded.error().message()}});
    return;
  } else {
    http_problem_ = "POST actions disabled: " + loaded.error().message();
    log_.warning("HTTP API without POST actions",
                 {{"code", loaded.error().code()}, {"error", loaded.error().message()}});
  }
  router_ = std::make_unique<ApiRouter>(*this, token, config_.http.dashboard_dir);
  http_ = std::make_unique<HttpServer>(
      io_, log_, [this](const HttpRequest& request) { return router_->handle(request); });
  if (auto s = http_->listen(config_.http.host, config_.http.port); !s) {
    http_problem_ = s.error().message();
    log_.error("HTTP API not started",
               {{"code", s.error().code()}, {"error", s.error().message()}});
    http_.reset();
    return;
  }
  log_.info("HTTP API listening", {{"address", config_.http.host},
                                   {"port", http_->port()},
                                   {"dashboard", config_.http.dashboard_dir.string()}});
}

void Daemon::wait_signals() {
  signals_.async_wait(
      [this](const boost::system::error_code& ec, int signal) { on_signal(ec, signal); });
}

void Daemon::on_signal(const boost::system::error_code& ec, int signal) {
  if (ec) return;
  if (signal == SIGHUP) {
    reload();
    wait_signals();
    return;
  }
  log_.info("stopping", {{"signal", signal == SIGTERM ? "SIGTERM" : "SIGINT"}});
  stop();
}

void Daemon::reload() {
  notifier_.reloading();
  auto fresh = load_config(config_path_);
  if (!fresh) {
    log_.error("config reload refused; keeping the running config",
               {{"config", config_path_.string()},
                {"code", fresh.error().code()},
                {"error", fresh.error().message()}});
    notifier_.ready(last_status_);
    return;
  }
  // What cannot change under a running daemon is named, so nobody expects it did.
  std::vector<std::string> need_restart;
  if (fresh->database != config_.database) need_restart.push_back("database");
  if (fresh->state_dir != config_.state_dir) need_restart.push_back("state_dir");
  if (fresh->control_socket != config_.control_socket) need_restart.push_back("control_socket");
  if (fresh->libvirt_uri != config_.libvirt_uri) need_restart.push_back("libvirt.uri");
  if (fresh->channel_name != config_.channel_name) need_restart.push_back("libvirt.channel_name");
  if (!(fresh->repository == config_.repository)) need_restart.push_back("repository");
  if (fresh->keys_dir != config_.keys_dir) need_restart.push_back("keys_dir");
  if (!(fresh->http == config_.http)) need_restart.push_back("http");
  for (const auto& key : need_restart) {
    log_.warning("config key changed; takes effect at the next restart", {{"key", key}});
  }
  HostdConfig applied = *fresh;
  applied.database = config_.database;
  applied.state_dir = config_.state_dir;
  applied.control_socket = config_.control_socket;
  applied.libvirt_uri = config_.libvirt_uri;
  applied.channel_name = config_.channel_name;
  applied.repository = config_.repository;
  applied.keys_dir = config_.keys_dir;
  {
    auto interval = applied.host.container_rescan;
    applied.host = config_.host;
    applied.host.container_rescan = interval;
  }
  applied.http = config_.http;
  const bool hotplug_enabled = applied.hotplug_channel && !config_.hotplug_channel;
  config_ = applied;
  log_.set_level(config_.log_level);
  // Guests already reported no_channel get their channel now rather than at their next
  // lifecycle event (which may never come for a guest that just runs).
  if (hotplug_enabled) {
    for (const auto& [uuid, guest] : known_guests_) consider_hotplug(guest);
  }
  engine_->reconfigure(config_.rollout, config_.timeouts);
  if (fresh->host.patch_kernel != config_.host.patch_kernel ||
      fresh->host.state_dir != config_.host.state_dir || fresh->host.root != config_.host.root ||
      fresh->host.containers != config_.host.containers) {
    log_.warning("config key changed; takes effect at the next restart", {{"key", "host"}});
  }
  if (containers_) {
    containers_->set_interval(applied.host.container_rescan);
    containers_->rescan();  // a reload is also the operator's "look again"
  }
  log_.info("config reloaded", {{"config", config_path_.string()},
                                {"policy", policy_name(config_.rollout.policy)},
                                {"log_level", log_level_name(config_.log_level)}});
  publish_status();
  notifier_.ready(last_status_);
}

void Daemon::stop() {
  if (stopping_) return;
  stopping_ = true;
  notifier_.stopping();
  boost::system::error_code ignored;
  signals_.cancel(ignored);
  tick_timer_.cancel();
  watchdog_timer_.cancel();
  if (control_) control_->stop();
  if (http_) http_->stop();
  if (directory_) directory_->stop();
  containers_.reset();
  // A patch still settling ends its attempt as a clean stop: if the machine is going down,
  // the next boot re-applies it instead of reporting crashed_last_time.
  if (host_kernel_) host_kernel_->end_settling_at_stop();
  // Sessions close with the engine's targets; pending completions are then ignored.
  io_.stop();
}

void Daemon::schedule_tick() {
  tick_timer_.expires_after(std::chrono::seconds(1));
  tick_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopping_) return;
    engine_->tick();
    publish_status();
    schedule_tick();
  });
}

void Daemon::schedule_watchdog(std::chrono::microseconds interval) {
  notifier_.watchdog();
  watchdog_timer_.expires_after(interval);
  watchdog_timer_.async_wait([this, interval](boost::system::error_code ec) {
    if (!ec && !stopping_) schedule_watchdog(interval);
  });
}

void Daemon::on_guest_seen(const GuestInfo& info) {
  known_guests_[info.uuid] = info;
  engine_->guest_seen(info);
  consider_hotplug(info);
}

void Daemon::consider_hotplug(const GuestInfo& info) {
  if (info.channel_path || !info.running || !config_.hotplug_channel || !directory_) return;
  if (!hotplug_tried_.insert(info.uuid).second) return;  // once per guest per run
  log_.info("hot-plugging the hotsplice channel", {{"guest", info.name}});
  directory_->attach_channel(info.uuid, [this, name = info.name](Status status) {
    if (!status) {
      log_.error(
          "channel hot-plug failed",
          {{"guest", name}, {"code", status.error().code()}, {"error", status.error().message()}});
    }
  });
}

void Daemon::publish_status() {
  std::string text;
  for (const auto& [status, count] : summarize(coverage()).by_status) {
    if (count == 0) continue;
    text += (text.empty() ? "" : ", ") + std::to_string(count) + " " + status_name(status);
  }
  if (text.empty()) text = "no guests";
  if (!directory_up_) text += "; guest directory down: " + directory_why_;
  if (text != last_status_) {
    last_status_ = text;
    notifier_.status(text);
  }
}

Json Daemon::status_json() const {
  return {{"version", kVersion},
          {"pid", static_cast<long>(::getpid())},
          {"started", format_utc(started_)},
          {"config", config_path_.string()},
          {"guest_directory", guest_directory()},
          {"guests", to_json(summarize(coverage()))},
          {"http",
           {{"listening", http_ != nullptr},
            // The bound address while listening (a configured port 0 is resolved), the
            // configured one when it is off, so the problem names what failed.
            {"address",
             config_.http.host + ":" + std::to_string(http_ ? http_port() : config_.http.port)},
            {"problem", http_problem_}}},
          {"host", host_json()},
          {"rollout", engine_->rollout_status()},
          {"repository", catalog_->status()},
          {"catalog_generation", catalog_->generation()},
          {"database", database_status()}};
}

Json Daemon::database_status() const {
  Json write_error = nullptr;
  if (const auto& error = db_->last_write_error()) {
    write_error = {{"code", error->code()}, {"message", error->message()}};
  }
  return {{"path", config_.database.string()}, {"write_error", write_error}};
}

std::string Daemon::handle(const ControlRequest& request) {
  switch (request.command) {
    case ControlCommand::status:
      return encode_ok(status_json());
    case ControlCommand::guests:
      return encode_ok(guests_document(coverage(), Clock::now(), guest_directory()));
    case ControlCommand::host:
      return encode_ok(host());
    case ControlCommand::guest: {
      auto records = coverage();
      const CoverageRecord* record = find_record(records, request.guest);
      if (!record)
        return encode_error(
            Error(errc::kUnknownGuest, unknown_guest_message(request.guest, guest_directory())));
      auto events = history(record->id);
      if (!events) return encode_error(events.error());
      return encode_ok(guest_document(*record, *events));
    }
    case ControlCommand::apply: {
      auto result = apply(request.guest, request.patch);
      return result ? encode_ok(*result) : encode_error(result.error());
    }
    case ControlCommand::rollback: {
      auto result = rollback(request.guest, request.patch);
      return result ? encode_ok(*result) : encode_error(result.error());
    }
    case ControlCommand::rollout:
      switch (request.action) {
        case RolloutAction::pause:
          return encode_ok(pause());
        case RolloutAction::resume:
          return encode_ok(resume());
        case RolloutAction::status:
          return encode_ok(rollout_status());
      }
  }
  return encode_error(Error(errc::kControlUnknownCommand, "unknown command"));
}

Json Daemon::host() const {
  auto records = coverage();
  Json out = host_facts_;
  out["hostd_version"] = kVersion;
  const CoverageRecord* own = find_record(records, "host");
  std::string release = out["kernel"].is_null() ? "" : out["kernel"]["release"].get<std::string>();
  out["effective_kernel"] = own && own->kind == kind::kHost ? own->effective_kernel : release;
  out["summary"] = to_json(summarize(records));
  out["rollout"] = engine_->rollout_status();
  Json repository = catalog_->status();
  const Json& last = repository.value("last_sync", Json(nullptr));
  repository["last_sync"] = last.is_object() && last.contains("at") ? last["at"] : Json(nullptr);
  repository["error"] =
      last.is_object() && last.contains("ok") && !last["ok"].get<bool>()
          ? Json{{"code", last.value("code", "")}, {"message", last.value("error", "")}}
          : Json(nullptr);
  out["repository"] = repository;
  out["guest_directory"] = guest_directory();
  return out;
}

Json Daemon::guest_directory() const {
  return {{"uri", config_.libvirt_uri},
          {"connected", directory_up_},
          {"since", format_utc(directory_since_)},
          {"why", directory_up_ ? std::string() : directory_why_}};
}

Expected<std::vector<GuestBundleRow>> Daemon::history(const std::string& id) const {
  return db_->history(id);
}

Expected<std::vector<GuestBundleRow>> Daemon::events_after(std::int64_t cursor,
                                                           std::size_t limit) const {
  return db_->events_after(cursor, limit);
}

std::vector<CatalogBundle> Daemon::bundles() const {
  return catalog_->all_bundles();
}

std::string Daemon::metrics() const {
  return render_metrics(MetricsInput{coverage(), engine_->counters(), engine_->rollout_gauge(),
                                     kVersion, Clock::now(), directory_up_});
}

Expected<Json> Daemon::apply(const std::string& guest, const std::string& patch) {
  return engine_->request_apply(guest, patch);
}

Expected<Json> Daemon::rollback(const std::string& guest, const std::string& patch) {
  return engine_->request_rollback(guest, patch);
}

Json Daemon::pause() {
  return engine_->pause();
}

Json Daemon::resume() {
  return engine_->resume();
}

Json Daemon::rollout_status() const {
  return engine_->rollout_status();
}

}  // namespace hotsplice::hostd
