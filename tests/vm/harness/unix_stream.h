// A client connection to a Unix stream socket (QEMU's chardev sockets, libvirt's channel
// sockets) where every read and write has a deadline.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/base/expected.h"
#include "tests/vm/harness/deadline.h"

namespace hotsplice::vm {

class UnixStream {
 public:
  // Connects, retrying while the socket does not exist yet or refuses, until the deadline.
  static Expected<UnixStream> connect(const std::filesystem::path& path, const Deadline& deadline);

  UnixStream(UnixStream&& other) noexcept;
  UnixStream& operator=(UnixStream&& other) noexcept;
  UnixStream(const UnixStream&) = delete;
  UnixStream& operator=(const UnixStream&) = delete;
  ~UnixStream();

  Status write_all(std::string_view bytes, const Deadline& deadline);

  // One line without its '\n'; fails on end of stream, deadline, or a line over max_bytes.
  Expected<std::string> read_line(const Deadline& deadline, std::size_t max_bytes = 4096);

  // Exactly `count` bytes.
  Expected<std::string> read_exact(std::size_t count, const Deadline& deadline);

 private:
  explicit UnixStream(int fd) : fd_(fd) {}
  // Appends whatever arrives (at least one byte) to buffer_.
  Status fill(const Deadline& deadline);

  int fd_ = -1;
  std::string buffer_;  // received but not yet consumed
};

}  // namespace hotsplice::vm
