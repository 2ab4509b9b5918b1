// The daemon's outer loop on a Unix socket standing in for the port (--port-path): it waits
// for the port to appear without spinning, serves one session, and with --once exits when
// the host leaves. The virtio-specific parts (SIGIO, hang-up while the host is absent) are
// covered in real guests by tests/vm/guestd_test.cpp.
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cstring>
#include <future>
#include <thread>

#include "core/apply/patch_manager.h"
#include "core/protocol/channel_sync.h"
#include "core/protocol/frame_stream.h"
#include "guestagent/agent.h"
#include "tests/support/temp_dir.h"

using namespace hotsplice;
using namespace hotsplice::guestd;
using namespace hotsplice::apply;
using namespace std::chrono_literals;

namespace {

int listen_on(const std::filesystem::path& path) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  REQUIRE(::listen(fd, 1) == 0);
  return fd;
}

double process_cpu_seconds() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// Never called: this test loads nothing.
class NoModuleSyscalls final : public ModuleSyscalls {
 public:
  int finit_module(int, const std::string&, int) override { return ENOSYS; }
  int delete_module(const std::string&, int) override { return ENOSYS; }
};

}  // namespace

TEST_CASE("agent loop: waits for the port to appear, serves one session, exits with --once") {
  testing::TempDir dir;
  Options options;
  options.port_path = dir / "port.sock";
  options.once = true;
  auto store = StateStore::open(dir / "state").value();
  TrustedKeys keys;
  NoModuleSyscalls syscalls;
  const Logger log("hotsplice-test", LogLevel::info, 2, Logger::Format::plain);
  PatchManager patches(dir.path(), {"6.1.0-56-amd64", "#1", "00aa"}, {}, keys, store, syscalls,
                       log);
  auto receiver = protocol::TransferReceiver::open(store.staging_dir(), 1 << 20).value();
  Session session(patches, receiver, log);
  auto signals = Signals::open().value();

  double cpu_before = process_cpu_seconds();
  auto agent =
      std::async(std::launch::async, [&] { return run_agent(options, session, signals, log); });
  std::this_thread::sleep_for(1500ms);  // no port yet: the agent must be sleeping
  CHECK(process_cpu_seconds() - cpu_before < 0.2);

  int listener = listen_on(*options.port_path);
  // The agent looks again every few seconds; accept() waits for it.
  int host = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  REQUIRE(host >= 0);
  protocol::FrameStream stream(host);
  auto acked = protocol::synchronise(stream, 1, 99, 5s);
  REQUIRE(acked);
  CHECK(acked->nonce == 99);
  ::close(host);

  REQUIRE(agent.wait_for(5s) == std::future_status::ready);
  CHECK(agent.get() == 0);
  ::close(listener);
}
