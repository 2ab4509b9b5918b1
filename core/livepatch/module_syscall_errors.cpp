#include "core/livepatch/module_syscall_errors.h"

#include <cerrno>
#include <string>

#include "core/base/file_io.h"
#include "core/livepatch/error_codes.h"

namespace hotsplice {
namespace {

struct Meaning {
  const char* code;
  const char* explanation;
};

constexpr Meaning kUnsupported = {
    livepatch::errc::kModulesUnsupported,
    "this kernel has no module support (CONFIG_MODULES off), or a seccomp filter blocks the call"};

constexpr const char* kPermission =
    "needs CAP_SYS_MODULE; module loading may be disabled (kernel.modules_disabled) or not "
    "allowed in this container";

Meaning load_meaning(int errnum) {
  switch (errnum) {
    case EEXIST:
      return {livepatch::errc::kModuleAlreadyLoaded, "a module with this name is already loaded"};
    case ENOEXEC:
      return {livepatch::errc::kModuleRejected,
              "not a module this kernel can load: bad ELF or vermagic mismatch"};
    case EINVAL:
      return {livepatch::errc::kModuleRejected,
              "invalid module parameters or a livepatch the kernel refused; "
              "see the kernel log"};
    case ENOENT:
      return {livepatch::errc::kModuleRejected,
              "the module needs a symbol this kernel does not have; see the "
              "kernel log"};
    case EKEYREJECTED:
      return {livepatch::errc::kModuleSignatureRejected, "the module's signature was rejected"};
    case ENOKEY:
      return {livepatch::errc::kModuleSignatureRejected,
              "the module is unsigned or signed by a key the kernel does not trust"};
    case EBADMSG:
      return {livepatch::errc::kModuleSignatureRejected, "the module's signature is malformed"};
    case EPERM:
    case EACCES:
      return {livepatch::errc::kPermissionDenied, kPermission};
    case ENOSYS:
      return kUnsupported;
    case EBUSY:
      return {livepatch::errc::kLivepatchBusy,
              "another livepatch transition is in progress; retry when it ends"};
    default:
      return {livepatch::errc::kModuleLoadFailed,
              "the kernel refused the module; see the kernel log"};
  }
}

Meaning unload_meaning(int errnum) {
  switch (errnum) {
    case ENOENT:
      return {livepatch::errc::kModuleNotLoaded, "no module of this name is loaded"};
    case EWOULDBLOCK:
      return {livepatch::errc::kModuleBusy,
              "the module is in use; a livepatch module stays in use until it is disabled"};
    case EBUSY:
      return {livepatch::errc::kModuleBusy, "the module is in use or still initialising"};
    case ENOSYS:
      return kUnsupported;
    case EPERM:
    case EACCES:
      return {livepatch::errc::kPermissionDenied, kPermission};
    default:
      return {livepatch::errc::kModuleUnloadFailed, "the kernel refused to unload the module"};
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
