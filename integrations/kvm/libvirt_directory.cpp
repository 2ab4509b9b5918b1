#include "integrations/kvm/libvirt_directory.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "integrations/kvm/channel_device.h"
#include "integrations/kvm/domain_reader.h"
#include "integrations/kvm/error_codes.h"
#include "integrations/kvm/libvirt_event_loop.h"
#include "integrations/kvm/libvirt_handles.h"

namespace hotsplice::kvm {
namespace {

// libvirt prints every error to stderr unless told otherwise; the directory reports its
// errors through its return values and callbacks instead.
void ignore_libvirt_error(void*, virErrorPtr) {}

std::string close_reason(int reason) {
  switch (reason) {
    case VIR_CONNECT_CLOSE_REASON_ERROR:
      return "the connection to libvirtd failed";
    case VIR_CONNECT_CLOSE_REASON_EOF:
      return "libvirtd closed the connection";
    case VIR_CONNECT_CLOSE_REASON_KEEPALIVE:
      return "libvirtd stopped answering keepalives";
    case VIR_CONNECT_CLOSE_REASON_CLIENT:
      return "the connection was closed by the client";
    default:
      return "the connection closed (reason " + std::to_string(reason) + ")";
  }
}

}  // namespace

// Two threads matter. libvirt's event-loop thread (libvirt_event_loop.h) delivers events,
// close notices and keepalives; the directory's callbacks there only queue work. The
// directory's own worker thread does that work: every libvirt call (which can block on a
// hung libvirtd until the keepalive gives up, and keepalive needs the event loop free: that
// is why no call is made on it), the timers and the reports. Members marked "worker" are
// touched by the worker only; the mutex guards what other threads read (the connection for
// attach, the reported domains for list()).
class LibvirtDirectory::Impl {
 public:
  Impl(LibvirtOptions options, Callbacks callbacks)
      : options_(std::move(options)), callbacks_(std::move(callbacks)) {}

  // Starts the worker and returns after its first connection attempt.
  void start();
  // Deregisters everything, closes the connection and joins the worker. Not on the worker.
  void stop();

  std::vector<DomainInfo> list() const;
  bool connected() const;
  void post_refresh(const std::string& uuid);
  Status attach_agent_channel(const std::string& uuid);

 private:
  // Worker.
  void run_worker();
  void run_due_timers();
  std::optional<std::chrono::steady_clock::time_point> next_timer() const;
  void shut_down();
  void connect();
  Status register_connection_callbacks(virConnectPtr connection);
  void lose_connection(const std::string& why);
  void schedule_reconnect();
  void sync_all(bool forced);
  void refresh_domain(const std::string& uuid, bool forced);
  void handle_read_failure(const std::string& uuid, const Error& error);
  void report(DomainInfo info, bool forced);
  void report_gone(const std::string& uuid);
  void announce(bool up, const std::string& why);

  // libvirt callbacks (event-loop thread): they only queue work; opaque is the Impl.
  static void on_lifecycle(virConnectPtr, virDomainPtr domain, int event, int detail, void* opaque);
  static void on_device(virConnectPtr, virDomainPtr domain, const char* alias, void* opaque);
  static void on_close(virConnectPtr connection, int reason, void* opaque);

  // Queues a job for the worker; jobs queued after stop() are dropped.
  void post(std::function<void(Impl&)> job);

  using Clock = std::chrono::steady_clock;
  const LibvirtOptions options_;
  const Callbacks callbacks_;

  mutable std::mutex mutex_;
  virConnectPtr connection_ = nullptr;          // guarded; written by the worker
  std::map<std::string, DomainInfo> reported_;  // guarded; uuid -> last domain_seen

  std::mutex queue_mutex_;
  std::condition_variable queue_changed_;
  std::deque<std::function<void(Impl&)>> jobs_;  // guarded by queue_mutex_
  bool stopping_ = false;                        // guarded by queue_mutex_
  std::thread worker_;

  // Worker.
  std::vector<int> event_callback_ids_;
  std::optional<Clock::time_point> next_rescan_;     // while connected
  std::optional<Clock::time_point> next_reconnect_;  // while a retry is scheduled
  std::chrono::milliseconds backoff_{0};
  std::optional<bool> announced_up_;  // the last connection_changed reported
  bool shut_down_ = false;
};

void LibvirtDirectory::Impl::start() {
  backoff_ = options_.reconnect_interval;
  worker_ = std::thread([this] { run_worker(); });
  std::promise<void> first_attempt;
  post([&first_attempt](Impl& impl) {
    impl.connect();
    first_attempt.set_value();
  });
  first_attempt.get_future().wait();
}

void LibvirtDirectory::Impl::stop() {
  post([](Impl& impl) { impl.shut_down(); });
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
  }
  queue_changed_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void LibvirtDirectory::Impl::post(std::function<void(Impl&)> job) {
  {
    std::lock_guard lock(queue_mutex_);
    if (stopping_) return;
    jobs_.push_back(std::move(job));
  }
  queue_changed_.notify_all();
}

void LibvirtDirectory::Impl::run_worker() {
  block_sigpipe_in_this_thread();
  std::unique_lock lock(queue_mutex_);
  while (true) {
    auto has_work = [this] { return stopping_ || !jobs_.empty(); };
    if (auto deadline = next_timer()) {
      queue_changed_.wait_until(lock, *deadline, has_work);
    } else {
      queue_changed_.wait(lock, has_work);
    }
    std::deque<std::function<void(Impl&)>> jobs;
    jobs.swap(jobs_);
    bool last_turn = stopping_;
    lock.unlock();
    for (auto& job : jobs) job(*this);
    if (last_turn) return;  // stop() queued the shutdown before setting stopping_
    run_due_timers();
    lock.lock();
  }
}

std::optional<std::chrono::steady_clock::time_point> LibvirtDirectory::Impl::next_timer() const {
  if (shut_down_) return std::nullopt;
  return connection_ != nullptr ? next_rescan_ : next_reconnect_;
}

void LibvirtDirectory::Impl::run_due_timers() {
  if (shut_down_) return;
  auto now = Clock::now();
  if (connection_ != nullptr && next_rescan_ && now >= *next_rescan_) {
    sync_all(/*forced=*/false);
    if (connection_ != nullptr) next_rescan_ = Clock::now() + options_.rescan_interval;
  } else if (connection_ == nullptr && next_reconnect_ && now >= *next_reconnect_) {
    connect();
  }
}

void LibvirtDirectory::Impl::shut_down() {
  if (shut_down_) return;
  shut_down_ = true;
  if (connection_ != nullptr) lose_connection("the directory is closing");
}

void LibvirtDirectory::Impl::connect() {
  next_reconnect_.reset();
  virConnectPtr connection = virConnectOpen(options_.uri.c_str());
  if (connection == nullptr) {
    announce(false, libvirt_error_message("connecting to " + options_.uri));
    schedule_reconnect();
    return;
  }
  if (Status ok = register_connection_callbacks(connection); !ok) {
    {
      std::lock_guard lock(mutex_);
      connection_ = connection;
    }
    lose_connection(ok.error().message());
    return;
  }
  if (options_.keepalive_interval_seconds > 0) {
    // Fails on drivers without keepalive (test:///); the close callback still works there.
    virConnectSetKeepAlive(connection, options_.keepalive_interval_seconds,
                           options_.keepalive_count);
  }
  {
    std::lock_guard lock(mutex_);
    connection_ = connection;
  }
  backoff_ = options_.reconnect_interval;
  announce(true, "connected to " + options_.uri);
  sync_all(/*forced=*/true);
  if (connection_ != nullptr) next_rescan_ = Clock::now() + options_.rescan_interval;
}

Status LibvirtDirectory::Impl::register_connection_callbacks(virConnectPtr connection) {
  if (virConnectRegisterCloseCallback(connection, &Impl::on_close, this, nullptr) != 0) {
    return Error(errc::kLibvirtError, libvirt_error_message("registering the close callback"));
  }
  struct Registration {
    int id;
    virConnectDomainEventGenericCallback callback;
  };
  const Registration registrations[] = {
      {VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_CALLBACK(&Impl::on_lifecycle)},
      {VIR_DOMAIN_EVENT_ID_DEVICE_ADDED, VIR_DOMAIN_EVENT_CALLBACK(&Impl::on_device)},
      {VIR_DOMAIN_EVENT_ID_DEVICE_REMOVED, VIR_DOMAIN_EVENT_CALLBACK(&Impl::on_device)},
  };
  for (const Registration& registration : registrations) {
    int id = virConnectDomainEventRegisterAny(connection, nullptr, registration.id,
                                              registration.callback, this, nullptr);
    if (id < 0) {
      return Error(errc::kLibvirtError, libvirt_error_message("registering for domain events"));
    }
    event_callback_ids_.push_back(id);
  }
  return Status::ok();
}

void LibvirtDirectory::Impl::lose_connection(const std::string& why) {
  virConnectPtr connection = nullptr;
  {
    std::lock_guard lock(mutex_);
    connection = std::exchange(connection_, nullptr);
  }
  if (connection == nullptr) return;
  next_rescan_.reset();
  // On a dead connection these fail; libvirt still drops the callbacks locally.
  for (int id : event_callback_ids_) virConnectDomainEventDeregisterAny(connection, id);
  event_callback_ids_.clear();
  virConnectUnregisterCloseCallback(connection, &Impl::on_close);
  virConnectClose(connection);
  if (shut_down_) return;
  announce(false, why);
  schedule_reconnect();
}

void LibvirtDirectory::Impl::schedule_reconnect() {
  if (shut_down_) return;
  next_reconnect_ = Clock::now() + backoff_;
  backoff_ = std::min(backoff_ * 2, options_.reconnect_max_interval);
}

void LibvirtDirectory::Impl::announce(bool up, const std::string& why) {
  // One report per change: a libvirtd that stays down for an hour is one "down", not 200.
  if (announced_up_ == up) return;
  announced_up_ = up;
  if (callbacks_.connection_changed) callbacks_.connection_changed(up, why);
}

void LibvirtDirectory::Impl::sync_all(bool forced) {
  virDomainPtr* domains = nullptr;
  int count = virConnectListAllDomains(connection_, &domains, 0);
  if (count < 0) {
    std::string why = libvirt_error_message("listing domains");  // before the next call resets it
    if (virConnectIsAlive(connection_) != 1) lose_connection(why);
    return;
  }
  std::vector<DomainHandle> handles;
  for (int i = 0; i < count; ++i) handles.emplace_back(domains[i]);
  std::free(domains);  // the array, allocated by libvirt; the handles own the domains

  std::vector<DomainInfo> found;
  std::set<std::string> listed;  // found or unreadable: either way, still there
  for (const DomainHandle& domain : handles) {
    auto info = read_domain(domain.get(), options_.channel_name);
    if (info) {
      listed.insert(info->uuid);
      found.push_back(std::move(*info));
      continue;
    }
    char uuid[VIR_UUID_STRING_BUFLEN] = {};
    virDomainGetUUIDString(domain.get(), uuid);
    if (info.error().code() == errc::kDomainNotFound) continue;  // went away meanwhile
    handle_read_failure(uuid, info.error());
    if (connection_ == nullptr) return;  // the failure was the connection
    listed.insert(uuid);
  }

  std::vector<std::string> vanished;
  {
    std::lock_guard lock(mutex_);
    for (const auto& entry : reported_) {
      if (listed.count(entry.first) == 0) vanished.push_back(entry.first);
    }
  }
  for (const std::string& uuid : vanished) report_gone(uuid);
  std::sort(found.begin(), found.end(),
            [](const DomainInfo& a, const DomainInfo& b) { return a.name < b.name; });
  for (DomainInfo& info : found) report(std::move(info), forced);
}

void LibvirtDirectory::Impl::refresh_domain(const std::string& uuid, bool forced) {
  if (connection_ == nullptr) return;  // the reconnect re-reads every domain
  DomainHandle domain(virDomainLookupByUUIDString(connection_, uuid.c_str()));
  if (!domain) {
    if (last_libvirt_error_is(VIR_ERR_NO_DOMAIN)) {
      report_gone(uuid);
    } else {
      handle_read_failure(
          uuid, Error(errc::kLibvirtError, libvirt_error_message("looking up domain " + uuid)));
    }
    return;
  }
  auto info = read_domain(domain.get(), options_.channel_name);
  if (info) {
    report(std::move(*info), forced);
  } else if (info.error().code() == errc::kDomainNotFound) {
    report_gone(uuid);
  } else {
    handle_read_failure(uuid, info.error());
  }
}

void LibvirtDirectory::Impl::handle_read_failure(const std::string& uuid, const Error& error) {
  if (error.code() == errc::kLibvirtError && virConnectIsAlive(connection_) != 1) {
    lose_connection(error.message());
    return;
  }
  if (callbacks_.domain_unreadable) callbacks_.domain_unreadable(uuid, error);
}

void LibvirtDirectory::Impl::report(DomainInfo info, bool forced) {
  bool stopped = false;
  bool changed = false;
  {
    std::lock_guard lock(mutex_);
    auto previous = reported_.find(info.uuid);
    stopped = previous != reported_.end() && previous->second.running && !info.running;
    changed = previous == reported_.end() || !(previous->second == info);
    reported_[info.uuid] = info;
  }
  if (stopped && callbacks_.domain_gone) callbacks_.domain_gone(info.uuid);
  if ((forced || changed) && callbacks_.domain_seen) callbacks_.domain_seen(std::move(info));
}

void LibvirtDirectory::Impl::report_gone(const std::string& uuid) {
  bool was_reported = false;
  {
    std::lock_guard lock(mutex_);
    was_reported = reported_.erase(uuid) > 0;
  }
  if (was_reported && callbacks_.domain_gone) callbacks_.domain_gone(uuid);
}

void LibvirtDirectory::Impl::on_lifecycle(virConnectPtr, virDomainPtr domain, int /*event*/,
                                          int /*detail*/, void* opaque) {
  // Whatever happened (started, stopped, defined, undefined, suspended, ...), the domain as
  // it is now tells report() what changed; stopped and undefined come out as domain_gone.
  char uuid[VIR_UUID_STRING_BUFLEN] = {};  // kept in the handle: no libvirt call
  if (virDomainGetUUIDString(domain, uuid) != 0) return;
  static_cast<Impl*>(opaque)->post(
      [id = std::string(uuid)](Impl& impl) { impl.refresh_domain(id, /*forced=*/false); });
}

void LibvirtDirectory::Impl::on_device(virConnectPtr, virDomainPtr domain, const char*,
                                       void* opaque) {
  on_lifecycle(nullptr, domain, 0, 0, opaque);
}

void LibvirtDirectory::Impl::on_close(virConnectPtr connection, int reason, void* opaque) {
  static_cast<Impl*>(opaque)->post([connection, why = close_reason(reason)](Impl& impl) {
    if (impl.connection_ == connection) impl.lose_connection(why);
  });
}

std::vector<DomainInfo> LibvirtDirectory::Impl::list() const {
  std::vector<DomainInfo> domains;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [uuid, info] : reported_) domains.push_back(info);
  }
  std::sort(domains.begin(), domains.end(),
            [](const DomainInfo& a, const DomainInfo& b) { return a.name < b.name; });
  return domains;
}

bool LibvirtDirectory::Impl::connected() const {
  std::lock_guard lock(mutex_);
  return connection_ != nullptr;
}

void LibvirtDirectory::Impl::post_refresh(const std::string& uuid) {
  post([uuid](Impl& impl) {
    if (!impl.shut_down_) impl.refresh_domain(uuid, /*forced=*/true);
  });
}

Status LibvirtDirectory::Impl::attach_agent_channel(const std::string& uuid) {
  ConnectionRef connection;
  {
    std::lock_guard lock(mutex_);
    if (connection_ == nullptr) {
      return Error(errc::kNotConnected, "not connected to " + options_.uri + " (reconnecting)");
    }
    virConnectRef(connection_);
    connection.reset(connection_);
  }
  DomainHandle domain(virDomainLookupByUUIDString(connection.get(), uuid.c_str()));
  if (!domain) {
    return Error(
        last_libvirt_error_is(VIR_ERR_NO_DOMAIN) ? errc::kDomainNotFound : errc::kLibvirtError,
        libvirt_error_message("looking up domain " + uuid));
  }
  auto current = read_domain(domain.get(), options_.channel_name);
  if (!current) return current.error();
  if (current->agent_channel) {  // already there: nothing to plug, report it again
    post_refresh(uuid);
    return Status::ok();
  }
  auto device = agent_channel_device_xml(options_.channel_name);
  if (!device) return device.error();
  // CONFIG keeps the channel across restarts; a transient domain has no config to change.
  unsigned flags = 0;
  if (current->running) flags |= VIR_DOMAIN_AFFECT_LIVE;
  if (virDomainIsPersistent(domain.get()) == 1) flags |= VIR_DOMAIN_AFFECT_CONFIG;
  if (virDomainAttachDeviceFlags(domain.get(), device->c_str(), flags) != 0) {
    return Error(errc::kChannelAttachFailed,
                 libvirt_error_message("hot-plugging channel " + options_.channel_name + " into " +
                                       current->name));
  }
  post_refresh(uuid);
  return Status::ok();
}

Expected<std::unique_ptr<LibvirtDirectory>> LibvirtDirectory::open(LibvirtOptions options,
                                                                   Callbacks callbacks) {
  if (Status ok = check_channel_name(options.channel_name); !ok) return ok.error();
  if (options.uri.empty()) return Error(errc::kInvalidOptions, "the libvirt URI is empty");
  if (options.reconnect_interval.count() <= 0 ||
      options.reconnect_max_interval < options.reconnect_interval ||
      options.rescan_interval.count() <= 0) {
    return Error(errc::kInvalidOptions,
                 "reconnect and rescan intervals must be positive, and the maximum reconnect "
                 "interval at least the first");
  }
  virSetErrorFunc(nullptr, ignore_libvirt_error);
  auto loop = LibvirtEventLoop::acquire();
  if (!loop) return loop.error();
  auto impl = std::make_unique<Impl>(std::move(options), std::move(callbacks));
  // The first connection attempt finishes before open() returns, so list() and connected()
  // answer at once; its callbacks have already run on the worker by then.
  impl->start();
  return std::unique_ptr<LibvirtDirectory>(new LibvirtDirectory(*loop, std::move(impl)));
}

LibvirtDirectory::LibvirtDirectory(std::shared_ptr<LibvirtEventLoop> loop,
                                   std::unique_ptr<Impl> impl)
    : loop_(std::move(loop)), impl_(std::move(impl)) {}

LibvirtDirectory::~LibvirtDirectory() {
  impl_->stop();
  // A libvirt callback may have been running on the loop thread while the worker
  // deregistered it; one turn of the loop later none is.
  std::promise<void> turned;
  loop_->post([&turned] { turned.set_value(); });
  turned.get_future().wait();
}

std::vector<DomainInfo> LibvirtDirectory::list() const {
  return impl_->list();
}
bool LibvirtDirectory::connected() const {
  return impl_->connected();
}
void LibvirtDirectory::refresh(const std::string& uuid) {
  impl_->post_refresh(uuid);
}
Status LibvirtDirectory::attach_agent_channel(const std::string& uuid) {
  return impl_->attach_agent_channel(uuid);
}

std::string_view to_string(DomainState state) {
  switch (state) {
    case DomainState::running:
      return "running";
    case DomainState::blocked:
      return "blocked";
    case DomainState::paused:
      return "paused";
    case DomainState::shutdown:
      return "shutdown";
    case DomainState::shutoff:
      return "shutoff";
    case DomainState::crashed:
      return "crashed";
    case DomainState::pm_suspended:
      return "pm_suspended";
    case DomainState::no_state:
      break;
  }
  return "no_state";
}

}  // namespace hotsplice::kvm
