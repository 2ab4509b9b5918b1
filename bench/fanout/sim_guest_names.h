// How hotsplice-guestd-sim lays out its guests, shared by the simulator, the bench's guest
// directory and the drivers that read the guests' state.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>

namespace hotsplice::bench {

// Guest index (0-based) -> its uuid: 00000000-0000-4000-8000-<index, 12 digits>.
inline std::string sim_guest_uuid(std::size_t index) {
  char text[40];
  std::snprintf(text, sizeof(text), "00000000-0000-4000-8000-%012zu", index);
  return text;
}

// Where guest uuid's channel listens and where its "/" is, under the simulator's --dir.
inline std::filesystem::path sim_socket_dir(const std::filesystem::path& dir) {
  return dir / "sockets";
}
inline std::filesystem::path sim_guest_root(const std::filesystem::path& dir,
                                            const std::string& uuid) {
  return dir / "guests" / uuid / "root";
}
inline std::filesystem::path sim_guest_state(const std::filesystem::path& dir,
                                             const std::string& uuid) {
  return dir / "guests" / uuid / "state";
}

}  // namespace hotsplice::bench
