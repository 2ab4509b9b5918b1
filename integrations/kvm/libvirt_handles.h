// Owners for libvirt objects and libvirt's last error, for the code that calls libvirt.
#pragma once

#include <pthread.h>
#include <signal.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

namespace hotsplice::kvm {

struct DomainFree {
  void operator()(virDomainPtr domain) const { virDomainFree(domain); }
};
using DomainHandle = std::unique_ptr<virDomain, DomainFree>;

// A counted reference to a connection (virConnectRef); released with virConnectClose, which
// closes the connection only when the last reference goes.
struct ConnectionRelease {
  void operator()(virConnectPtr connection) const { virConnectClose(connection); }
};
using ConnectionRef = std::unique_ptr<virConnect, ConnectionRelease>;

// Strings libvirt returns with malloc (virDomainGetXMLDesc, ...).
struct MallocFree {
  void operator()(char* text) const { std::free(text); }
};
using LibvirtString = std::unique_ptr<char, MallocFree>;

// "<what>: <libvirt's last error message on this thread>".
inline std::string libvirt_error_message(std::string_view what) {
  const char* message = virGetLastErrorMessage();
  return std::string(what) + ": " + (message != nullptr ? message : "unknown libvirt error");
}

// Whether libvirt's last error on this thread has `code` (a virErrorNumber).
inline bool last_libvirt_error_is(int code) {
  virErrorPtr error = virGetLastError();
  return error != nullptr && error->code == code;
}

// libvirt writes to its sockets with write(2): a libvirtd that died makes the next write
// raise SIGPIPE, which would end the process. Blocked in the calling thread it stays pending
// and harmless, and the write fails with EPIPE. For the threads that make libvirt calls.
inline void block_sigpipe_in_this_thread() {
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
}

}  // namespace hotsplice::kvm
