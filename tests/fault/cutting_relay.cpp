#include "tests/fault/cutting_relay.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <string>

namespace hotsplice::fault {
namespace {

sockaddr_un unix_address(const std::filesystem::path& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  return address;
}

// Ends of non-empty frames in bytes[0, size), given whether the byte before was non-zero;
// returns the offset just past the n-th frame end, or size when fewer than n end here.
std::size_t frame_ends(const char* bytes, std::size_t size, bool& in_frame, int& count,
                       int stop_at) {
  for (std::size_t i = 0; i < size; ++i) {
    if (bytes[i] != 0) {
      in_frame = true;
    } else if (in_frame) {
      in_frame = false;
      if (++count == stop_at) return i + 1;
    }
  }
  return size;
}

bool write_all(int fd, const char* bytes, std::size_t size) {
  while (size > 0) {
    ssize_t put = ::write(fd, bytes, size);
    if (put < 0 && errno == EINTR) continue;
    if (put <= 0) return false;
    bytes += put;
    size -= static_cast<std::size_t>(put);
  }
  return true;
}

}  // namespace

CuttingRelay::CuttingRelay(std::filesystem::path listen_path, std::filesystem::path guest_path,
                           Direction direction, int cut_after)
    : CuttingRelay(std::move(listen_path), std::move(guest_path), direction, cut_after, 0) {}

CuttingRelay::CuttingRelay(std::filesystem::path listen_path, std::filesystem::path guest_path,
                           Direction direction, HoldAfterBytes hold)
    : CuttingRelay(std::move(listen_path), std::move(guest_path), direction, -1, hold.bytes) {
  REQUIRE(hold.bytes > 0);
}

CuttingRelay::CuttingRelay(std::filesystem::path listen_path, std::filesystem::path guest_path,
                           Direction direction, int cut_after, std::size_t hold_after_bytes)
    : listen_path_(std::move(listen_path)),
      guest_path_(std::move(guest_path)),
      direction_(direction),
      cut_after_(cut_after),
      hold_after_bytes_(hold_after_bytes) {
  REQUIRE(::pipe(stop_pipe_) == 0);
  listen_fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(listen_fd_ >= 0);
  sockaddr_un address = unix_address(listen_path_);
  ::unlink(listen_path_.c_str());
  REQUIRE(::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  REQUIRE(::listen(listen_fd_, 4) == 0);
  thread_ = std::thread([this] { run(); });
}

CuttingRelay::~CuttingRelay() {
  (void)::write(stop_pipe_[1], "x", 1);
  thread_.join();
  ::close(listen_fd_);
  ::close(stop_pipe_[0]);
  ::close(stop_pipe_[1]);
}

void CuttingRelay::run() {
  bool first = true;
  for (;;) {
    pollfd descriptors[2] = {{listen_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (::poll(descriptors, 2, -1) < 0) continue;
    if (descriptors[1].revents) return;
    int host = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (host < 0) continue;
    int guest = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address = unix_address(guest_path_);
    if (guest < 0 ||
        ::connect(guest, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
      if (guest >= 0) ::close(guest);
      ::close(host);
      continue;
    }
    relay(host, guest, first);
    first = false;
    ::close(host);
    ::close(guest);
  }
}

void CuttingRelay::relay(int host_fd, int guest_fd, bool first) {
  const bool cutting = first && cut_after_ >= 0;
  if (cutting && cut_after_ == 0) {
    cut_done_ = true;
    return;
  }
  const bool holding = first && hold_after_bytes_ > 0;
  bool in_frame[2] = {false, false};
  int counts[2] = {0, 0};
  std::size_t held_side_bytes = 0;
  char buffer[65536];
  for (;;) {
    pollfd descriptors[3] = {
        {host_fd, POLLIN, 0}, {guest_fd, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (::poll(descriptors, 3, -1) < 0) continue;
    if (descriptors[2].revents) return;
    for (int side = 0; side < 2; ++side) {
      if (!descriptors[side].revents) continue;
      int from = side == 0 ? host_fd : guest_fd;
      int to = side == 0 ? guest_fd : host_fd;
      ssize_t got = ::read(from, buffer, sizeof(buffer));
      if (got <= 0) return;
      auto size = static_cast<std::size_t>(got);
      Direction direction = side == 0 ? Direction::host_to_guest : Direction::guest_to_host;
      int stop_at = cutting && direction == direction_ ? cut_after_ : -1;
      std::size_t pass = frame_ends(buffer, size, in_frame[side], counts[side], stop_at);
      const bool hold_now =
          holding && direction == direction_ && held_side_bytes + pass >= hold_after_bytes_;
      if (hold_now) pass = hold_after_bytes_ - held_side_bytes;
      if (holding && direction == direction_) held_side_bytes += pass;
      if (first) {
        (side == 0 ? frames_to_guest_ : frames_to_host_) = counts[side];
      }
      if (!write_all(to, buffer, pass)) return;
      if (hold_now) {
        cut_done_ = true;
        hold();
        return;
      }
      if (stop_at > 0 && counts[side] >= stop_at) {
        cut_done_ = true;
        return;
      }
    }
  }
}

void CuttingRelay::hold() const {
  pollfd stop{stop_pipe_[0], POLLIN, 0};
  while (::poll(&stop, 1, -1) <= 0) {
  }
}

}  // namespace hotsplice::fault
