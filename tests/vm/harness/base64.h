// Standard base64 (RFC 4648, with padding): how scripts and files travel to the guest's
// test shell, whose busybox decodes them with `base64 -d`.
#pragma once

#include <string>
#include <string_view>

namespace hotsplice::vm {

std::string base64_encode(std::string_view bytes);

}  // namespace hotsplice::vm
