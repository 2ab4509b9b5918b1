// The two module syscalls livepatch control needs, behind an interface so that a test can
// stand in for a kernel answer this machine cannot give (e.g. EEXIST from a real load).
// Everything else in hotsplice uses LinuxModuleSyscalls.
#pragma once

#include <string>

namespace hotsplice {

class ModuleSyscalls {
 public:
  virtual ~ModuleSyscalls() = default;
  // finit_module(2) on an open module file. Returns 0, or the errno the kernel answered.
  virtual int finit_module(int fd, const std::string& params, int flags) = 0;
  // delete_module(2). Returns 0, or the errno the kernel answered.
  virtual int delete_module(const std::string& name, int flags) = 0;
};

// The real syscalls (glibc has no wrappers for them).
class LinuxModuleSyscalls final : public ModuleSyscalls {
 public:
  int finit_module(int fd, const std::string& params, int flags) override;
  int delete_module(const std::string& name, int flags) override;
};

}  // namespace hotsplice
