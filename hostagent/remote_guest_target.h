// A PatchTarget for a guest reached over its hotsplice channel: a ChannelConnection (asio,
// strand, bounded queue, timeouts) carrying protocol::HostSession (the transport-free host
// side of the protocol, core/protocol). The session decides what to send and when a guest
// is too slow or lies; this class moves bytes, drives the session's clock and turns its
// events into the engine's completions. A guest that floods, stalls or lies fails only this
// target (SessionFailed or a channel error), and its memory is bounded by the session's and
// the connection's limits.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>

#include "core/base/log.h"
#include "hostagent/channel_connection.h"
#include "hostagent/config.h"
#include "hostagent/patch_target.h"

namespace hotsplice::hostd {

class RemoteGuestTarget : public PatchTarget {
 public:
  RemoteGuestTarget(boost::asio::io_context& io, std::string channel_path, std::string guest_name,
                    const TimeoutConfig& timeouts, Logger& log);
  ~RemoteGuestTarget() override;

  void handshake(HelloDone done) override;
  void send_bundle(const std::string& bundle_id, std::shared_ptr<const std::string> bundle_bytes,
                   Done done) override;
  void apply(const std::string& bundle_id, Done done) override;
  void apply_clearing_crash_record(const std::string& bundle_id, Done done) override;
  void rollback(const std::string& bundle_id, Done done) override;
  void on_lost(Lost lost) override;
  void close() override;

  class Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

// The factory hostd hands to the rollout engine.
TargetFactory remote_guest_targets(boost::asio::io_context& io, const TimeoutConfig& timeouts,
                                   Logger& log);

}  // namespace hotsplice::hostd
