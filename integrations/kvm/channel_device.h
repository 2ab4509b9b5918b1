// The <channel> device that gives a domain the hotsplice agent port, for hot-plugging with
// virDomainAttachDeviceFlags.
#pragma once

#include <string>
#include <string_view>

#include "core/base/expected.h"

namespace hotsplice::kvm {

// A virtio-serial port name hotsplice accepts: 1 to 127 of [A-Za-z0-9._-] (QEMU and the
// guest's /dev/virtio-ports/<name> link take such names as they are).
// Error: errc::kChannelNameInvalid naming the offending character or length.
Status check_channel_name(std::string_view name);

// `<channel type='unix'><source mode='bind'/><target type='virtio' name='NAME'/></channel>`:
// no path, so libvirt generates the socket path (read it back from the live XML).
// Error: errc::kChannelNameInvalid.
Expected<std::string> agent_channel_device_xml(std::string_view channel_name);

}  // namespace hotsplice::kvm
