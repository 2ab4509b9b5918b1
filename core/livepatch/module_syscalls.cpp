#include "core/livepatch/module_syscalls.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace hotsplice {

int LinuxModuleSyscalls::finit_module(int fd, const std::string& params, int flags) {
  // Not retried on EINTR: the kernel may have started initialising the module, and a second
  // call would then answer EEXIST for our own load.
  if (::syscall(SYS_finit_module, fd, params.c_str(), flags) == 0) return 0;
  return errno;
}

int LinuxModuleSyscalls::delete_module(const std::string& name, int flags) {
  if (::syscall(SYS_delete_module, name.c_str(), flags) == 0) return 0;
  return errno;
}

}  // namespace hotsplice
