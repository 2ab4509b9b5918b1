// The signals the agent waits for, as a file descriptor (signalfd) it can poll together with
// the port: SIGTERM/SIGINT ask it to stop; SIGIO is how the virtio console driver says the
// host side of the port opened (the port itself only reports hang-up until then).
#pragma once

#include <chrono>

#include "core/base/expected.h"

namespace hotsplice::guestd {

class Signals {
 public:
  // Blocks SIGTERM, SIGINT, SIGIO and SIGPIPE for the process (write errors come back as
  // EPIPE instead) and opens the signalfd.
  static Expected<Signals> open();
  ~Signals();
  Signals(Signals&& other) noexcept;
  Signals& operator=(Signals&&) = delete;
  Signals(const Signals&) = delete;
  Signals& operator=(const Signals&) = delete;

  int fd() const { return fd_; }
  // Reads every pending signal; true once a stop was requested (it stays requested).
  bool drain();
  bool stop_requested() const { return stop_requested_; }
  // Sleeps until a signal arrives or timeout passes; returns drain()'s answer.
  bool wait(std::chrono::milliseconds timeout);

 private:
  explicit Signals(int fd) : fd_(fd) {}
  int fd_ = -1;
  bool stop_requested_ = false;
};

}  // namespace hotsplice::guestd
