// The image every host-agent and guest-agent VM test guest boots: the static
// hotsplice-guestd (from the nested build in guestagent/CMakeLists.txt) started at boot by
// its initramfs hook, with one public key trusted, and ext4 so a state disk can be mounted.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "core/base/expected.h"
#include "tests/vm/harness/guest_image.h"

namespace hotsplice::vm {

// Builds (or finds in the content-addressed cache) the image for `release` with
// `public_key` (PEM file) installed as /etc/hotsplice/keys.d/test.pub, plus extra_files
// (host file -> guest path, as GuestImageSpec::extra_files).
Expected<GuestImage> build_agent_guest_image(
    const std::string& release, const std::filesystem::path& public_key,
    const std::map<std::filesystem::path, std::string>& extra_files = {});

}  // namespace hotsplice::vm
