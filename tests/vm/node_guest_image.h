// The image of a guest that plays a shared-kernel node: hotsplice-hostd and the `hotsplice`
// CLI of this build (dynamically linked: libvirt, SQLite, libcurl, OpenSSL, the sanitizer
// runtimes, ...) with every shared library `ldd` lists, the static hotsplice-guestd (to show
// it refuses inside a container), and the test key. Nothing starts at boot: the test starts
// hostd when it has set the node up.
//
// Why copy the libraries rather than link statically: hostd needs libvirt, of which Debian
// ships no static archive, and the copies are exactly what the binaries were linked and
// tested against on this machine. The binaries go in without symbols and debug sections
// (the sanitized debug build of hostd is >130 MiB otherwise).
#pragma once

#include <filesystem>
#include <string>

#include "core/base/expected.h"
#include "tests/vm/harness/guest_image.h"

namespace hotsplice::vm {

// Where the libraries go in the guest; programs run with LD_LIBRARY_PATH set to it.
inline constexpr char kNodeLibraryDir[] = "/opt/hotsplice/lib";
inline constexpr char kNodeHostd[] = "/usr/sbin/hotsplice-hostd";
inline constexpr char kNodeCli[] = "/usr/bin/hotsplice";
inline constexpr char kNodeGuestd[] = "/usr/sbin/hotsplice-guestd";

// work_dir holds the stripped copies. public_key is trusted by hostd (keys.d/test.pub).
Expected<GuestImage> build_node_guest_image(const std::string& release,
                                            const std::filesystem::path& public_key,
                                            const std::filesystem::path& work_dir);

// The environment prefix to run a copied dynamic binary in the guest.
std::string node_program_environment();

}  // namespace hotsplice::vm
