#include "tests/vm/harness/private_libvirt.h"

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <exception>
#include <iostream>
#include <thread>

#include <libvirt/virterror.h>

#include "core/base/file_io.h"
#include "integrations/kvm/domain_xml.h"
#include "integrations/kvm/error_codes.h"
#include "integrations/kvm/libvirt_handles.h"
#include "tests/vm/harness/console_watch.h"
#include "tests/vm/harness/domain_xml.h"
#include "tests/vm/harness/error_codes.h"
#include "tests/vm/harness/guest_kernel.h"

namespace hotsplice::vm {
namespace {

// Root may connect without polkit (there is no D-Bus here); nobody else may connect.
constexpr std::string_view kLibvirtdConf = R"(unix_sock_group = "root"
unix_sock_rw_perms = "0700"
unix_sock_ro_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
)";

// QEMU runs as root with no confinement, no cgroups and no private /dev: the test guests
// must not depend on (or change) how the machine is set up.
constexpr std::string_view kQemuConf = R"(user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
)";

// Private directory (under work_dir) -> where libvirt expects it.
constexpr std::pair<const char*, const char*> kPrivateDirs[] = {
    {"etc", "/etc/libvirt"},     {"run", "/run"},
    {"lib", "/var/lib/libvirt"}, {"cache", "/var/cache/libvirt"},
    {"log", "/var/log/libvirt"},
};

int count_threads() {
  int threads = 0;
  if (DIR* tasks = ::opendir("/proc/self/task")) {
    while (dirent* entry = ::readdir(tasks)) threads += entry->d_name[0] != '.';
    ::closedir(tasks);
  }
  return threads;
}

void ignore_libvirt_error(void*, virErrorPtr) {}

}  // namespace

Expected<std::unique_ptr<PrivateLibvirt>> PrivateLibvirt::start(
    const std::filesystem::path& work_dir, std::chrono::seconds hard_timeout) {
  // libvirt prints every error to stderr by default; the harness reports them itself.
  virSetErrorFunc(nullptr, ignore_libvirt_error);
  std::unique_ptr<PrivateLibvirt> libvirt(new PrivateLibvirt(work_dir));
  libvirt->lifetime_ = hard_timeout;
  if (Status ok = libvirt->enter_private_mounts(); !ok) return ok.error();
  if (Status ok = libvirt->start_daemons(); !ok) return ok.error();
  if (Status ok = libvirt->connect(Deadline::after(std::chrono::seconds(90))); !ok) {
    return ok.error();
  }
  return libvirt;
}

Status PrivateLibvirt::enter_private_mounts() {
  for (const auto& [name, target] : kPrivateDirs) {
    if (Status made = ensure_directory(work_dir_ / name); !made) return made;
  }
  if (Status ok = write_file_atomically(work_dir_ / "etc/libvirtd.conf", kLibvirtdConf); !ok) {
    return ok;
  }
  if (Status ok = write_file_atomically(work_dir_ / "etc/qemu.conf", kQemuConf); !ok) return ok;
  if (Status ok = write_file_atomically(work_dir_ / "no-kvm", ""); !ok) return ok;

  if (int threads = count_threads(); threads != 1) {
    return Error(errc::kInvalidState,
                 "PrivateLibvirt::start needs a single-threaded process (has " +
                     std::to_string(threads) + " threads)");
  }
  if (::unshare(CLONE_NEWNS) != 0) return io_error("unshare(CLONE_NEWNS)", errno);
  // Nothing mounted from here on propagates back to the machine's namespace.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return io_error("making / private", errno);
  }
  auto bind = [this](const std::filesystem::path& source, const std::filesystem::path& target) {
    if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      return Status(io_error("bind-mounting " + source.string() + " on " + target.string(), errno));
    }
    mounts_.push_back(target);
    return Status::ok();
  };
  for (const auto& [name, target] : kPrivateDirs) {
    if (Status ok = bind(work_dir_ / name, target); !ok) return ok;
  }
  // libvirtd probes QEMU's capabilities on first use, which takes half a minute on a busy
  // 2-core machine; its cache (only that lives in /var/cache/libvirt) is kept between runs.
  // libvirt replaces cache files atomically and revalidates them against the QEMU binary.
  std::filesystem::path shared_cache = guest_image_cache_dir() / "libvirt-cache";
  if (Status made = ensure_directory(shared_cache); !made) return made;
  if (Status ok = bind(shared_cache, "/var/cache/libvirt"); !ok) return ok;
  // libvirt would find /dev/kvm (which hangs here) and use it. An empty file mounted read-only
  // in its place makes KVM unusable in libvirt's eyes (access(W_OK) fails even for root).
  // Merely broken but writable, libvirt would re-probe QEMU on every lookup, hoping for KVM.
  if (std::filesystem::exists("/dev/kvm")) {
    if (Status ok = bind(work_dir_ / "no-kvm", "/dev/kvm"); !ok) return ok;
    if (::mount(nullptr, "/dev/kvm", nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0) {
      return io_error("making the /dev/kvm stand-in read-only", errno);
    }
  }
  return Status::ok();
}

Expected<ChildProcess> PrivateLibvirt::start_daemon(const std::string& program) {
  return ChildProcess::spawn({"timeout", "-s", "KILL", std::to_string(lifetime_.count()), program},
                             work_dir_ / (program + ".log"));
}

Status PrivateLibvirt::start_daemons() {
  auto logd = start_daemon("virtlogd");
  if (!logd) return logd.error();
  virtlogd_.emplace(std::move(*logd));
  auto libvirtd = start_daemon("libvirtd");
  if (!libvirtd) return libvirtd.error();
  libvirtd_.emplace(std::move(*libvirtd));
  return Status::ok();
}

Status PrivateLibvirt::restart_libvirtd(const Deadline& deadline) {
  if (connection_ != nullptr) virConnectClose(connection_);
  connection_ = nullptr;
  libvirtd_->stop();  // SIGKILL, no grace: a crash, not a shutdown
  // As a supervisor would, give the guests' QEMUs a moment to notice their monitor client
  // is gone: a daemon reconnecting within milliseconds of the kill is sometimes reset by
  // QEMU and then stops the guest it could not take over (seen with libvirt 9 + QEMU 7.2).
  std::this_thread::sleep_for(std::chrono::seconds(1));
  auto libvirtd = start_daemon("libvirtd");
  if (!libvirtd) return libvirtd.error();
  libvirtd_.emplace(std::move(*libvirtd));
  return connect(deadline);
}

Status PrivateLibvirt::connect(const Deadline& deadline) {
  const std::filesystem::path socket = "/run/libvirt/libvirt-sock";
  while (true) {
    if (std::filesystem::exists(socket)) {
      // The first connection waits for libvirtd to probe QEMU's capabilities.
      connection_ = virConnectOpen("qemu:///system");
      if (connection_ != nullptr) return Status::ok();
    }
    for (auto* daemon : {&virtlogd_, &libvirtd_}) {
      if (auto status = (*daemon)->poll_exit()) {
        return Error(errc::kDaemonFailed, "a libvirt daemon " + describe_wait_status(*status) +
                                              "; libvirtd log:\n" +
                                              file_tail(work_dir_ / "libvirtd.log"));
      }
    }
    if (deadline.expired()) {
      return Error(errc::kTimeout,
                   kvm::libvirt_error_message("connecting to the private libvirtd") +
                       "; libvirtd log:\n" + file_tail(work_dir_ / "libvirtd.log"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void PrivateLibvirt::pause_libvirtd() {
  ::kill(-libvirtd_->pid(), SIGSTOP);
}

void PrivateLibvirt::resume_libvirtd() {
  ::kill(-libvirtd_->pid(), SIGCONT);
}

Expected<LibvirtGuest> PrivateLibvirt::start_guest(const std::string& name, const GuestImage& image,
                                                   const std::string& extra_kernel_args,
                                                   AgentChannel agent_channel,
                                                   QemuGuestAgentChannel qemu_guest_agent) {
  DomainSpec spec;
  spec.name = name;
  spec.image = image;
  spec.kernel_command_line = guest_kernel_command_line(extra_kernel_args, lifetime_);
  spec.console_log = work_dir_ / (name + ".console.log");
  spec.agent_channel = agent_channel == AgentChannel::present;
  spec.qemu_guest_agent_channel = qemu_guest_agent == QemuGuestAgentChannel::present;
  kvm::DomainHandle domain(virDomainDefineXML(connection_, test_domain_xml(spec).c_str()));
  if (!domain)
    return Error(kvm::errc::kLibvirtError, kvm::libvirt_error_message("defining " + name));
  char uuid[VIR_UUID_STRING_BUFLEN] = {};
  virDomainGetUUIDString(domain.get(), uuid);
  LibvirtGuest guest(this, uuid, name, spec.console_log);
  if (virDomainCreate(domain.get()) != 0)
    return Error(kvm::errc::kLibvirtError, kvm::libvirt_error_message("starting " + name));
  return guest;
}

void PrivateLibvirt::destroy_all_domains() {
  if (connection_ == nullptr) return;
  virDomainPtr* domains = nullptr;
  int count = virConnectListAllDomains(connection_, &domains, 0);
  for (int i = 0; i < count; ++i) {
    if (virDomainIsActive(domains[i]) == 1) virDomainDestroy(domains[i]);
    virDomainUndefine(domains[i]);
    virDomainFree(domains[i]);
  }
  free(domains);  // allocated by libvirt with malloc
}

// Last resort after the daemons are gone: QEMUs libvirt started run in their own sessions,
// so stopping libvirtd's process group does not reach them; their pid files do.
void PrivateLibvirt::kill_leftover_qemus() {
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator(work_dir_ / "run/libvirt/qemu", error)) {
    if (entry.path().extension() != ".pid") continue;
    auto text = read_file(entry.path(), 64);
    if (!text) continue;
    pid_t pid = static_cast<pid_t>(std::atol(text->c_str()));
    auto exe = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe", error);
    if (pid > 1 && !error && exe.filename().string().starts_with("qemu-system")) {
      ::kill(pid, SIGKILL);
    }
  }
}

PrivateLibvirt::~PrivateLibvirt() {
  destroy_all_domains();
  if (connection_ != nullptr) virConnectClose(connection_);
  if (libvirtd_) libvirtd_->stop(std::chrono::seconds(5));
  if (virtlogd_) virtlogd_->stop(std::chrono::seconds(2));
  kill_leftover_qemus();
  for (auto mount = mounts_.rbegin(); mount != mounts_.rend(); ++mount) {
    ::umount2(mount->c_str(), MNT_DETACH);
  }
}

LibvirtGuest::LibvirtGuest(LibvirtGuest&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)),
      uuid_(std::move(other.uuid_)),
      name_(std::move(other.name_)),
      console_log_(std::move(other.console_log_)),
      shell_(std::move(other.shell_)) {}

virDomainPtr LibvirtGuest::lookup() const {
  if (owner_ == nullptr || owner_->connection() == nullptr) return nullptr;
  return virDomainLookupByUUIDString(owner_->connection(), uuid_.c_str());
}

LibvirtGuest::~LibvirtGuest() {
  if (owner_ == nullptr) return;
  if (std::uncaught_exceptions() > 0) {
    std::cerr << "libvirt guest " << name_
              << " torn down by a failing test:" << console_log_excerpt(console_log_) << std::endl;
  }
  shell_.reset();
  kvm::DomainHandle domain(lookup());
  if (!domain) return;  // PrivateLibvirt's teardown destroys whatever is left
  if (virDomainIsActive(domain.get()) == 1) virDomainDestroy(domain.get());
  virDomainUndefine(domain.get());
}

Status LibvirtGuest::wait_until_ready(const Deadline& deadline) {
  auto domain_gone = [this]() -> std::optional<std::string> {
    kvm::DomainHandle domain(lookup());
    if (domain && virDomainIsActive(domain.get()) == 1) return std::nullopt;
    return "domain " + name_ + " is no longer running";
  };
  if (Status ready = wait_for_guest_ready(console_log_, deadline, domain_gone); !ready) {
    return ready.error().with_context(name_);
  }
  auto path = channel_path(kTestPortName);
  if (!path) return path.error();
  auto shell = GuestShell::connect(*path, deadline);
  if (!shell) {
    return Error(shell.error().code(),
                 name_ + " booted but its test shell did not answer: " + shell.error().message() +
                     console_log_excerpt(console_log_));
  }
  shell_.emplace(std::move(*shell));
  return Status::ok();
}

Expected<std::string> LibvirtGuest::live_xml() const {
  kvm::DomainHandle domain(lookup());
  if (!domain)
    return Error(kvm::errc::kLibvirtError, kvm::libvirt_error_message("looking up " + name_));
  kvm::LibvirtString xml(virDomainGetXMLDesc(domain.get(), 0));
  if (!xml)
    return Error(kvm::errc::kLibvirtError,
                 kvm::libvirt_error_message("reading the XML of " + name_));
  return std::string(xml.get());
}

Expected<std::filesystem::path> LibvirtGuest::channel_path(std::string_view port_name) const {
  auto xml = live_xml();
  if (!xml) return xml.error();
  auto domain = kvm::parse_domain_xml(*xml);
  if (!domain) return domain.error().with_context(name_);
  auto channel = kvm::find_agent_channel(*domain, port_name);
  if (!channel || channel->source_type != kvm::ChannelSourceType::unix_socket ||
      channel->source_path.empty()) {
    return Error(errc::kNotFound, "no unix channel " + std::string(port_name) +
                                      " with a path in the live XML of " + name_);
  }
  return std::filesystem::path(channel->source_path);
}

}  // namespace hotsplice::vm
