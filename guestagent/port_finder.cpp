#include "guestagent/port_finder.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include "core/base/file_io.h"
#include "guestagent/error_codes.h"

namespace hotsplice::guestd {
namespace {

// A port's name is a short identifier chosen by the host's configuration.
constexpr std::size_t kMaxPortNameFileBytes = 256;

std::string without_newline(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\0')) text.pop_back();
  return text;
}

Expected<int> connect_unix_socket(const std::filesystem::path& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (path.string().size() >= sizeof(address.sun_path)) {
    return Error(errc::kInvalidPort, "socket path too long: " + path.string());
  }
  std::memcpy(address.sun_path, path.c_str(), path.string().size());
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return io_error("socket", errno);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0) {
    int saved = errno;
    ::close(fd);
    return io_error("connecting to " + path.string(), saved);
  }
  return fd;
}

}  // namespace

std::optional<std::filesystem::path> find_port_device(const std::filesystem::path& root,
                                                      std::string_view port_name) {
  std::error_code error;
  std::filesystem::path link = root / "dev/virtio-ports" / std::string(port_name);
  if (std::filesystem::exists(link, error)) return link;

  std::filesystem::directory_iterator ports(root / "sys/class/virtio-ports", error);
  if (error) return std::nullopt;
  for (const auto& port : ports) {
    auto name = read_file(port.path() / "name", kMaxPortNameFileBytes);
    if (!name || without_newline(std::move(*name)) != port_name) continue;
    std::filesystem::path device = root / "dev" / port.path().filename();
    if (std::filesystem::exists(device, error)) return device;
  }
  return std::nullopt;
}

Expected<int> open_port(const std::filesystem::path& device) {
  struct stat info {};
  if (::stat(device.c_str(), &info) == 0 && S_ISSOCK(info.st_mode)) {
    return connect_unix_socket(device);
  }
  int fd = ::open(device.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return io_error("opening " + device.string(), errno);
  return fd;
}

}  // namespace hotsplice::guestd
