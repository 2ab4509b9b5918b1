// Boots a GuestImage under qemu-system-x86_64 -accel tcg (KVM hangs on the test machines)
// with two virtio-serial ports whose host ends are Unix sockets: org.hotsplice.agent.0 for
// the agent under test and org.hotsplice.test.0 for the test shell. The serial console goes
// to a log file. Several guests may run at once: everything lives in the caller's work_dir.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/base/expected.h"
#include "tests/vm/harness/child_process.h"
#include "tests/vm/harness/guest_image.h"
#include "tests/vm/harness/guest_shell.h"

namespace hotsplice::vm {

struct QemuGuestOptions {
  QemuGuestOptions(GuestImage guest_image, std::filesystem::path directory)
      : image(std::move(guest_image)), work_dir(std::move(directory)) {}

  GuestImage image;
  std::filesystem::path
      work_dir;  // created if missing; holds sockets and logs (keep the path short)
  std::string extra_kernel_args;
  // Appended to QEMU's command line, e.g. {"-drive", "file=disk.img,format=raw,if=virtio"}.
  std::vector<std::string> extra_qemu_args;
  unsigned memory_mib = 256;
  unsigned cpus = 1;  // TCG runs one host thread per virtual CPU
  // Until the test shell answers; a panic or an exit of QEMU fails sooner.
  std::chrono::seconds boot_timeout{60};
  // QEMU is killed (and the guest powers off) after this, even if the test process dies
  // without cleaning up.
  std::chrono::seconds hard_timeout{900};
};

class QemuGuest {
 public:
  // Starts QEMU and waits until the guest's test shell answers.
  static Expected<QemuGuest> start(const QemuGuestOptions& options);

  QemuGuest(QemuGuest&&) noexcept = default;
  QemuGuest& operator=(QemuGuest&&) noexcept = default;
  // Kills QEMU; when unwinding from a failed test, prints the console log first.
  ~QemuGuest();

  GuestShell& shell() { return *shell_; }
  const std::filesystem::path& agent_socket() const { return agent_socket_; }
  const std::filesystem::path& console_log() const { return console_log_; }
  // From spawning QEMU until the test shell answered.
  std::chrono::milliseconds boot_time() const { return boot_time_; }

  // Stops QEMU now (also done by the destructor).
  void stop();
  // Waits until QEMU exits on its own (the guest powered off, panicked or reset: -no-reboot
  // turns a reset into an exit); nullopt when it still runs at the deadline. Its wait status.
  std::optional<int> wait_for_exit(const Deadline& deadline);

 private:
  QemuGuest(ChildProcess qemu, std::filesystem::path agent_socket,
            std::filesystem::path console_log)
      : qemu_(std::move(qemu)),
        agent_socket_(std::move(agent_socket)),
        console_log_(std::move(console_log)) {}

  ChildProcess qemu_;
  std::filesystem::path agent_socket_;
  std::filesystem::path console_log_;
  std::optional<GuestShell> shell_;
  std::chrono::milliseconds boot_time_{0};
};

}  // namespace hotsplice::vm
