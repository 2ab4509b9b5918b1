#include "core/livepatch/module_syscall_errors.h"

#include <cerrno>
#include <string>

#include "core/base/file_io.h"

namespace hotsplice {
namespace {

struct Meaning {
  const char* code;
  const char* explanation;
};

constexpr Meaning kUnsupported = {
    "modules_unsupported",
    "this kernel has no module support (CONFIG_MODULES off), or a seccomp filter blocks the call"};

constexpr const char* kPermission =
    "needs CAP_SYS_MODULE; module loading may be disabled (kernel.modules_disabled) or not "
    "allowed in this container";

Meaning load_meaning(int errnum) {
  switch (errnum) {
    case EEXIST:
      return {"module_already_loaded", "a module with this name is already loaded"};
    case ENOEXEC:
      return {"module_rejected", "not a module this kernel can load: bad ELF or vermagic mismatch"};
    case EINVAL:
      return {"module_rejected",
              "invalid module parameters or a livepatch the kernel refused; "
              "see the kernel log"};
    case ENOENT:
      return {"module_rejected",
              "the module needs a symbol this kernel does not have; see the "
              "kernel log"};
    case EKEYREJECTED:
      return {"module_signature_rejected", "the module's signature was rejected"};
    case ENOKEY:
      return {"module_signature_rejected",
              "the module is unsigned or signed by a key the kernel does not trust"};
    case EBADMSG:
      return {"module_signature_rejected", "the module's signature is malformed"};
    case EPERM:
    case EACCES:
      return {"permission_denied", kPermission};
    case ENOSYS:
      return kUnsupported;
    case EBUSY:
      return {"livepatch_busy", "another livepatch transition is in progress; retry when it ends"};
    default:
      return {"module_load_failed", "the kernel refused the module; see the kernel log"};
  }
}

Meaning unload_meaning(int errnum) {
  switch (errnum) {
    case ENOENT:
      return {"module_not_loaded", "no module of this name is loaded"};
    case EWOULDBLOCK:
      return {"module_busy",
              "the module is in use; a livepatch module stays in use until it is disabled"};
    case EBUSY:
      return {"module_busy", "the module is in use or still initialising"};
    case ENOSYS:
      return kUnsupported;
    case EPERM:
    case EACCES:
      return {"permission_denied", kPermission};
    default:
      return {"module_unload_failed", "the kernel refused to unload the module"};
  }
}

Error syscall_error(std::string_view call, std::string_view subject, int errnum, Meaning meaning) {
  return Error(meaning.code, std::string(call) + " " + std::string(subject) + ": " +
                                 errno_text(errnum) + " (" + meaning.explanation + ")");
}

}  // namespace

Error load_error(std::string_view module_path, int errnum) {
  return syscall_error("finit_module", module_path, errnum, load_meaning(errnum));
}

Error unload_error(std::string_view module_name, int errnum) {
  return syscall_error("delete_module", module_name, errnum, unload_meaning(errnum));
}

}  // namespace hotsplice
