// hotsplice-guestd-sim: N simulated guests in one process, for the rollout fan-out benchmark
// and the fault-injection tests. Each guest is the real guest agent (guestagent Session and
// serve_channel, core/apply PatchManager and StateStore, core/protocol TransferReceiver) on
// its own Unix socket, listening as QEMU does for a libvirt channel in mode='bind'; only the
// kernel is a RecordingKernel (recording_kernel.h). A bench/test build target only: it is
// never installed, and the shipped hotsplice-guestd has no way to reach this code.
//
//   hotsplice-guestd-sim --guests N --dir DIR --keys-dir K --release R --kernel-version V
//                        --build-id HEX [--log-level warning]
//
// Guest i (0-based) has the uuid 00000000-0000-4000-8000-<i, 12 digits>, its socket at
// DIR/sockets/<uuid>.sock, its "/" at DIR/guests/<uuid>/root and its state directory at
// DIR/guests/<uuid>/state. Prints "ready N" on stdout once every socket listens. SIGTERM or
// SIGINT stop every guest in order (each agent leaves its session as guestd does, then all
// is freed: scripts/memcheck checks it); a host losing power is SIGKILL.
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include "bench/fanout/error_codes.h"
#include "bench/fanout/recording_kernel.h"
#include "bench/fanout/sim_guest_names.h"
#include "core/apply/patch_manager.h"
#include "core/apply/state_store.h"
#include "core/base/arguments.h"
#include "core/base/file_io.h"
#include "core/base/log.h"
#include "core/bundle/trusted_keys.h"
#include "core/protocol/messages.h"
#include "core/protocol/transfer_receiver.h"
#include "guestagent/channel.h"
#include "guestagent/session.h"
#include "guestagent/signals.h"

namespace {

using namespace hotsplice;
namespace fs = std::filesystem;

// Everything one guest agent holds, in the order main.cpp of hotsplice-guestd makes it.
struct SimulatedGuest {
  std::string uuid;
  int listen_fd = -1;
  std::unique_ptr<bench::RecordingKernel> kernel;
  std::unique_ptr<apply::StateStore> store;
  std::unique_ptr<apply::PatchManager> patches;
  std::unique_ptr<protocol::TransferReceiver> receiver;
  std::unique_ptr<guestd::Session> session;

  SimulatedGuest() = default;
  SimulatedGuest(const SimulatedGuest&) = delete;
  SimulatedGuest& operator=(const SimulatedGuest&) = delete;
  ~SimulatedGuest() {
    if (listen_fd >= 0) ::close(listen_fd);
  }
};

// Set once the simulator stops: a failed accept() then means its socket was shut down.
std::atomic<bool> stopping{false};

Expected<int> listen_unix(const fs::path& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.string().size() >= sizeof(address.sun_path)) {
    return Error(bench::errc::kUsage, "socket path too long: " + path.string());
  }
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return io_error("socket", errno);
  ::unlink(path.c_str());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::listen(fd, 1) != 0) {
    int saved = errno;
    ::close(fd);
    return io_error("listening on " + path.string(), saved);
  }
  return fd;
}

Expected<std::unique_ptr<SimulatedGuest>> make_guest(const fs::path& dir, std::size_t index,
                                                     const KernelIdentity& kernel,
                                                     const TrustedKeys& keys, const Logger& log) {
  auto guest = std::make_unique<SimulatedGuest>();
  guest->uuid = bench::sim_guest_uuid(index);
  fs::path root = bench::sim_guest_root(dir, guest->uuid);
  if (auto made = ensure_directory(root / "sys/kernel/livepatch"); !made) return made.error();
  if (auto made = ensure_directory(root / "proc/sys/kernel/random"); !made) return made.error();
  // The boot id a real kernel would give (read by the crash-loop guard).
  if (auto written =
          write_file_atomically(root / "proc/sys/kernel/random/boot_id", guest->uuid + "\n");
      !written) {
    return written.error();
  }
  auto store = apply::StateStore::open(bench::sim_guest_state(dir, guest->uuid));
  if (!store) return store.error();
  guest->store = std::make_unique<apply::StateStore>(std::move(*store));
  guest->kernel = std::make_unique<bench::RecordingKernel>(root);
  platform::Environment environment{platform::Environment::Kind::vm, "kvm"};
  guest->patches = std::make_unique<apply::PatchManager>(root, kernel, environment, keys,
                                                         *guest->store, *guest->kernel, log);
  guest->patches->apply_stored();  // as guestd does at every start
  auto receiver =
      protocol::TransferReceiver::open(guest->store->staging_dir(), protocol::kMaxBundleBytes);
  if (!receiver) return receiver.error();
  guest->receiver = std::make_unique<protocol::TransferReceiver>(std::move(*receiver));
  guest->session = std::make_unique<guestd::Session>(*guest->patches, *guest->receiver, log);
  auto fd = listen_unix(bench::sim_socket_dir(dir) / (guest->uuid + ".sock"));
  if (!fd) return fd.error();
  guest->listen_fd = *fd;
  return guest;
}

// One guest's life: the host connects, the agent serves the channel until the host leaves,
// and the socket waits for the next host (hostd restarting, a fault test's relay). Returns
// when the simulator stops (its listening socket shut down, or a stop signal in a session).
void serve(SimulatedGuest& guest, const Logger& log) {
  auto signals = guestd::Signals::open();
  if (!signals) {
    log.error("signals: " + signals.error().message());
    std::_Exit(1);
  }
  for (;;) {
    int fd = ::accept4(guest.listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (stopping) return;
      log.error("accept on guest " + guest.uuid + ": " + std::strerror(errno));
      std::_Exit(1);
    }
    guestd::ChannelStats stats;
    guestd::ChannelEnd end = guestd::serve_channel(fd, *guest.session, *signals, stats, log);
    ::close(fd);
    if (end == guestd::ChannelEnd::stop_requested) {
      stopping = true;  // the process's stop signal reached this thread, not main's wait
      return;
    }
  }
}

int run(const std::vector<std::string>& words) {
  auto arguments = Arguments::parse(words,
                                    {{"guests"},
                                     {"dir"},
                                     {"keys-dir"},
                                     {"release"},
                                     {"kernel-version"},
                                     {"build-id"},
                                     {"log-level"}},
                                    0);
  if (!arguments) {
    std::fprintf(stderr, "hotsplice-guestd-sim: %s\n", arguments.error().message().c_str());
    return 64;
  }
  for (const char* name : {"guests", "dir", "keys-dir", "release", "kernel-version", "build-id"}) {
    if (!arguments->has(name)) {
      std::fprintf(stderr, "hotsplice-guestd-sim: --%s is required\n", name);
      return 64;
    }
  }
  std::size_t count = std::stoul(*arguments->value("guests"));
  fs::path dir = *arguments->value("dir");
  auto level = parse_log_level(arguments->value("log-level").value_or("warning"));
  if (!level) {
    std::fprintf(stderr, "hotsplice-guestd-sim: unknown --log-level\n");
    return 64;
  }
  Logger log("hotsplice-guestd-sim", *level);
  // Signals blocked before any thread starts, so that every guest thread inherits the mask.
  auto main_signals = guestd::Signals::open();
  if (!main_signals) {
    log.error("signals: " + main_signals.error().message());
    return 1;
  }
  auto keys = TrustedKeys::load(*arguments->value("keys-dir"));
  if (!keys) {
    log.error("keys: " + keys.error().message());
    return 1;
  }
  KernelIdentity kernel{*arguments->value("release"), *arguments->value("kernel-version"),
                        *arguments->value("build-id")};
  if (auto made = ensure_directory(bench::sim_socket_dir(dir)); !made) {
    log.error(made.error().message());
    return 1;
  }
  std::vector<std::unique_ptr<SimulatedGuest>> guests;
  for (std::size_t i = 0; i < count; ++i) {
    auto guest = make_guest(dir, i, kernel, *keys, log);
    if (!guest) {
      log.error("guest " + std::to_string(i) + ": " + guest.error().code() + ": " +
                guest.error().message());
      return 1;
    }
    guests.push_back(std::move(*guest));
  }
  std::vector<std::thread> threads;
  for (auto& guest : guests) {
    threads.emplace_back([&guest, &log] { serve(*guest, log); });
  }
  std::printf("ready %zu\n", guests.size());
  std::fflush(stdout);
  while (!stopping && !main_signals->wait(std::chrono::seconds(1))) {
  }
  // Stop: accept() fails on a shut-down socket; a thread serving a host gets its own stop
  // signal (each thread's signalfd sees the signals sent to that thread).
  stopping = true;
  for (auto& guest : guests) ::shutdown(guest->listen_fd, SHUT_RDWR);
  for (auto& thread : threads) ::pthread_kill(thread.native_handle(), SIGTERM);
  for (auto& thread : threads) thread.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return run(std::vector<std::string>(argv + 1, argv + argc));
}
