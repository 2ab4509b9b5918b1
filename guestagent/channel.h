// Moves frames between one open channel (a virtio-serial port, or a socket in tests) and
// the session, with poll(): the port, plus the signal fd, are the only things the agent
// waits on, so a plain poll loop says everything an event library would, in less code.
//
// Reads are bounded (64 KiB at a time into a decoder holding at most one frame) and replies
// wait in one output queue written as the port accepts them. A host that sends without
// reading stalls only itself, and only while it is connected: input is always read (so
// QEMU keeps reading the host's socket and passes on its end of file the moment it goes),
// and replies beyond the queue's bound (256 KiB) are counted and dropped, with one log line
// per connection. A host that reads what it asked for never gets near the bound.
#pragma once

#include <cstdint>

#include "core/base/log.h"
#include "guestagent/session.h"
#include "guestagent/signals.h"

namespace hotsplice::guestd {

enum class ChannelEnd {
  host_gone,       // end of file or hang-up: the host side closed (a port stays usable)
  port_failed,     // the port went away (hot-unplug) or failed: reopen it
  stop_requested,  // SIGTERM/SIGINT
};

struct ChannelStats {
  std::uint64_t frames_received = 0;
  std::uint64_t replies_dropped = 0;  // not queued: the host was not reading
};

// Replies are small; more than this queued means the host is not reading.
inline constexpr std::size_t kMaxQueuedReplyBytes = 256 * 1024;

// Serves the channel until one of the ends above. fd must be non-blocking.
ChannelEnd serve_channel(int fd, Session& session, Signals& signals, ChannelStats& stats,
                         const Logger& log);

}  // namespace hotsplice::guestd
