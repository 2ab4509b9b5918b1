// Error codes of the VM test harness (tests/vm/harness), declared once. Only tests see them:
// a test that cannot start its guest, daemon or build fails (or skips) with the code and the
// message. Shared codes come from their owners: command_failed (core/base), libvirt_error
// (integrations/kvm), unsupported_compression (core/kernel).
#pragma once

namespace hotsplice::vm::errc {

// A wait ran out: the guest's ready marker, the test shell's answer, a socket, a child
// process, the private libvirtd. guest_shell retries on it while the guest opens its end.
inline constexpr char kTimeout[] = "timeout";
// The guest's console shows a panic or oops, or QEMU exited before the guest was ready.
inline constexpr char kGuestFailed[] = "guest_failed";
// A libvirt daemon of the private pair (virtlogd, libvirtd) exited while starting.
inline constexpr char kDaemonFailed[] = "daemon_failed";
// PrivateLibvirt::start called from a process with more than one thread (it unshares).
inline constexpr char kInvalidState[] = "invalid_state";
// A request the harness cannot carry out as given: an empty command, a relative guest path,
// a socket path too long for AF_UNIX.
inline constexpr char kInvalidArgument[] = "invalid_argument";
// The live domain XML has no unix channel of the asked name with a path.
inline constexpr char kNotFound[] = "not_found";
// A module the guest image needs is not in the kernel's modules.dep.
inline constexpr char kModuleNotFound[] = "module_not_found";
// No /lib/modules/<release>/build/Makefile: the kernel's headers are not installed.
inline constexpr char kHeadersMissing[] = "headers_missing";
// kbuild exited 0 but the test module's .ko is not there.
inline constexpr char kBuildFailed[] = "build_failed";
// The peer closed a UnixStream (the guest's shell or echo port).
inline constexpr char kConnectionClosed[] = "connection_closed";
// A line from a UnixStream longer than the caller's bound.
inline constexpr char kLineTooLong[] = "line_too_long";

}  // namespace hotsplice::vm::errc
