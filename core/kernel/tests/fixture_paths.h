// Where the committed kernel fixtures live (set by CMake for the kernel test binaries).
#pragma once

#include <filesystem>

namespace hotsplice::testing {

inline std::filesystem::path kernel_fixture(const char* relative) {
  return std::filesystem::path(HOTSPLICE_KERNEL_FIXTURES) / relative;
}

// The expected build-id of the recorded host kernel, computed independently of hotsplice
// with `xxd -s 16 -l 20 -p host-6.18.44-fc/sys/kernel/notes` and confirmed by binutils'
// `readelf -n` on the same bytes wrapped by `objcopy -I binary`.
inline constexpr const char* kRecordedHostBuildId = "e4f18d9dc1d0e6fc2b17e93e885a647b3c0a6fc1";

}  // namespace hotsplice::testing
