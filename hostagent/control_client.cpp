#include "hostagent/control_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

#include "core/base/file_io.h"
#include "core/base/unique_fd.h"
#include "hostagent/error_codes.h"

namespace hotsplice::hostd {
namespace {

using Deadline = std::chrono::steady_clock::time_point;

// Waits until fd is ready for events or the deadline passes.
Status wait_ready(int fd, short events, Deadline deadline, const std::string& what) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      return Error(errc::kControlIo, what + ": hostd did not answer in time");
    }
    pollfd p{fd, events, 0};
    int rc = ::poll(&p, 1, static_cast<int>(left.count()));
    if (rc > 0) return Status::ok();
    if (rc < 0 && errno != EINTR) return io_error(what, errno);
  }
}

}  // namespace

Expected<Json> call_hostd(const std::filesystem::path& socket_path, const ControlRequest& request,
                          std::chrono::milliseconds timeout) {
  const std::string where = socket_path.string();
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (where.size() >= sizeof address.sun_path) {
    return Error(errc::kControlIo, "control socket path too long: " + where);
  }
  std::memcpy(address.sun_path, where.c_str(), where.size() + 1);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd.valid()) return io_error("creating a unix socket", errno);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    int error = errno;
    if (error == ENOENT || error == ECONNREFUSED) {
      return Error(errc::kHostdNotRunning,
                   "hotsplice-hostd is not running (nothing listens on " + where + ")");
    }
    if (error == EACCES || error == EPERM) {
      return Error(errc::kControlIo,
                   "permission denied on " + where + ": the control socket is for root only");
    }
    return io_error("connecting to " + where, error);
  }
  Deadline deadline = std::chrono::steady_clock::now() + timeout;
  std::string out = encode_request(request) + "\n";
  std::size_t sent = 0;
  while (sent < out.size()) {
    if (auto s = wait_ready(fd.get(), POLLOUT, deadline, "writing to " + where); !s) {
      return s.error();
    }
    ssize_t n = ::send(fd.get(), out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EINTR) return io_error("writing to " + where, errno);
    if (n > 0) sent += static_cast<std::size_t>(n);
  }
  std::string in;
  char buffer[65536];
  for (;;) {
    std::size_t newline = in.find('\n');
    if (newline != std::string::npos)
      return parse_response(std::string_view(in).substr(0, newline));
    if (in.size() > kMaxControlResponseBytes) {
      return Error(errc::kControlBadResponse, "response from hostd larger than the limit");
    }
    if (auto s = wait_ready(fd.get(), POLLIN, deadline, "reading from " + where); !s) {
      return s.error();
    }
    ssize_t n = ::recv(fd.get(), buffer, sizeof buffer, 0);
    if (n == 0) {
      return Error(errc::kControlBadResponse, "hostd closed the connection without an answer");
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return io_error("reading from " + where, errno);
    if (n > 0) in.append(buffer, static_cast<std::size_t>(n));
  }
}

}  // namespace hotsplice::hostd
