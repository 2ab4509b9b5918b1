#include "tests/vm/harness/qemu_guest.h"

#include <exception>
#include <iostream>

#include "core/base/file_io.h"
#include "tests/vm/harness/console_watch.h"

namespace hotsplice::vm {
namespace {

std::string socket_chardev(const std::string& id, const std::filesystem::path& path) {
  // server: QEMU listens, tests connect whenever they like; wait=off: do not block boot.
  return "socket,id=" + id + ",path=" + path.string() + ",server=on,wait=off";
}

std::string virtio_port(const std::string& chardev, std::string_view name) {
  return "virtserialport,bus=serial0.0,chardev=" + chardev + ",name=" + std::string(name);
}

}  // namespace

Expected<QemuGuest> QemuGuest::start(const QemuGuestOptions& options) {
  const std::filesystem::path& dir = options.work_dir;
  std::filesystem::path agent_socket = dir / "agent.sock";
  std::filesystem::path test_socket = dir / "test.sock";
  std::filesystem::path console_log = dir / "console.log";
  if (Status made = ensure_directory(dir); !made) return made.error();
  std::error_code ignored;
  for (const auto& stale : {agent_socket, test_socket, console_log}) {
    std::filesystem::remove(stale, ignored);
  }

  std::vector<std::string> argv{
      // The outer timeout is the hard limit that holds even if this process is killed.
      "timeout",
      "-s",
      "KILL",
      std::to_string(options.hard_timeout.count()),
      "qemu-system-x86_64",
      "-accel",
      "tcg",
      "-machine",
      "pc",
      "-m",
      std::to_string(options.memory_mib),
      "-smp",
      std::to_string(options.cpus),
      "-nodefaults",
      "-no-user-config",
      "-display",
      "none",
      "-no-reboot",
      "-kernel",
      options.image.kernel.string(),
      "-initrd",
      options.image.initramfs.string(),
      "-append",
      guest_kernel_command_line(options.extra_kernel_args, options.hard_timeout),
      "-chardev",
      "file,id=console,path=" + console_log.string(),
      "-serial",
      "chardev:console",
      "-device",
      "virtio-serial-pci,id=serial0",
      "-chardev",
      socket_chardev("agent", agent_socket),
      "-device",
      virtio_port("agent", kAgentPortName),
      "-chardev",
      socket_chardev("test", test_socket),
      "-device",
      virtio_port("test", kTestPortName),
  };
  argv.insert(argv.end(), options.extra_qemu_args.begin(), options.extra_qemu_args.end());
  auto started_at = Deadline::Clock::now();
  auto deadline = Deadline::after(options.boot_timeout);
  auto process = ChildProcess::spawn(argv, dir / "qemu.log");
  if (!process) return process.error();
  QemuGuest guest(std::move(*process), agent_socket, console_log);

  auto qemu_gone = [&guest, &dir]() -> std::optional<std::string> {
    if (auto status = guest.qemu_.poll_exit()) {
      return "qemu " + describe_wait_status(*status) +
             "; qemu output: " + file_tail(dir / "qemu.log", 4096);
    }
    return std::nullopt;
  };
  if (Status ready = wait_for_guest_ready(console_log, deadline, qemu_gone); !ready) {
    return ready.error();
  }
  auto shell = GuestShell::connect(test_socket, deadline);
  if (!shell) {
    return Error(shell.error().code(),
                 "guest booted but its test shell did not answer: " + shell.error().message() +
                     console_log_excerpt(console_log));
  }
  guest.shell_.emplace(std::move(*shell));
  guest.boot_time_ =
      std::chrono::duration_cast<std::chrono::milliseconds>(Deadline::Clock::now() - started_at);
  return guest;
}

QemuGuest::~QemuGuest() {
  if (std::uncaught_exceptions() > 0 && !console_log_.empty()) {
    std::cerr << "QemuGuest torn down by a failing test:" << console_log_excerpt(console_log_)
              << std::endl;
  }
  stop();
}

void QemuGuest::stop() {
  shell_.reset();
  qemu_.stop();
}

std::optional<int> QemuGuest::wait_for_exit(const Deadline& deadline) {
  return qemu_.wait_until(deadline);
}

}  // namespace hotsplice::vm
