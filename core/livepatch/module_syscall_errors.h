// Turns an errno from finit_module(2) or delete_module(2) into an Error that says what it
// means for a live patch, since the bare strerror texts ("File exists", "Exec format
// error") do not tell an operator what to do.
#pragma once

#include <string_view>

#include "core/base/expected.h"

namespace hotsplice {

// "finit_module <module_path>: <strerror> (<meaning>)". Codes: module_already_loaded
// (EEXIST), module_rejected (ENOEXEC, EINVAL, ENOENT), module_signature_rejected
// (EKEYREJECTED, ENOKEY, EBADMSG), permission_denied (EPERM, EACCES), livepatch_busy (EBUSY),
// modules_unsupported (ENOSYS), module_load_failed otherwise.
Error load_error(std::string_view module_path, int errnum);

// "delete_module <module_name>: <strerror> (<meaning>)". Codes: module_not_loaded (ENOENT),
// module_busy (EWOULDBLOCK, EBUSY), permission_denied (EPERM),
// modules_unsupported (ENOSYS), module_unload_failed otherwise.
Error unload_error(std::string_view module_name, int errnum);

}  // namespace hotsplice
