// A pipe standing in for a log's file descriptor: what was written to fd(), read back.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <string>

namespace hotsplice::testing {

class CapturedFd {
 public:
  CapturedFd() { REQUIRE(::pipe2(fds_, O_CLOEXEC | O_NONBLOCK) == 0); }
  ~CapturedFd() {
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  CapturedFd(const CapturedFd&) = delete;
  CapturedFd& operator=(const CapturedFd&) = delete;

  int fd() const { return fds_[1]; }
  // Everything written since the last call (at most the pipe's capacity, 64 KiB).
  std::string read_all() {
    std::string text;
    char buffer[4096];
    for (ssize_t got; (got = ::read(fds_[0], buffer, sizeof(buffer))) > 0;) {
      text.append(buffer, static_cast<std::size_t>(got));
    }
    return text;
  }

 private:
  int fds_[2];
};

}  // namespace hotsplice::testing
