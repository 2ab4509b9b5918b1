// HostSessionOptions::validate and the names of request kinds.
#include <string>

#include "core/protocol/error_codes.h"
#include "core/protocol/host_session.h"

namespace hotsplice::protocol {
namespace {

Error invalid(const std::string& option, const std::string& bound) {
  return Error(errc::kInvalidOptions, "host session option " + option + " " + bound);
}

}  // namespace

// Largest encoded size of a chunk frame carrying chunk_bytes: the JSON (type, id, sha256,
// offset: well under 256 bytes), the frame's fixed fields, COBS's one byte per 254 and the
// two delimiters.
std::size_t chunk_frame_bound(std::size_t chunk_bytes) {
  std::size_t content = chunk_bytes + 256 + kFrameOverheadBytes;
  return content + content / 254 + 1 + 2;
}

Status HostSessionOptions::validate() const {
  using std::chrono::milliseconds;
  for (auto [name, value] : {std::pair{"sync_timeout", sync_timeout},
                             {"sync_resend", sync_resend},
                             {"hello_timeout", hello_timeout},
                             {"request_timeout", request_timeout},
                             {"chunk_timeout", chunk_timeout},
                             {"heartbeat_interval", heartbeat_interval},
                             {"heartbeat_timeout", heartbeat_timeout}}) {
    if (value <= milliseconds(0)) return invalid(name, "must be positive");
  }
  if (apply_timeout < kMinApplyTimeout) {
    return invalid("apply_timeout", "must be at least " +
                                        std::to_string(kMinApplyTimeout.count() / 1000) +
                                        " s (the guest is silent during a transition)");
  }
  if (max_frame_bytes < 4096 || max_frame_bytes > kDefaultMaxFrameBytes) {
    return invalid("max_frame_bytes", "must be 4096.." + std::to_string(kDefaultMaxFrameBytes));
  }
  if (chunk_bytes == 0 || chunk_bytes > kMaxChunkBytes ||
      chunk_bytes + 4096 > kDefaultMaxFrameBytes) {
    return invalid("chunk_bytes", "must be 1.." + std::to_string(kMaxChunkBytes));
  }
  if (window_bytes < chunk_bytes) return invalid("window_bytes", "must be at least chunk_bytes");
  if (max_queued_output_bytes < chunk_frame_bound(chunk_bytes) + kControlReserveBytes) {
    return invalid("max_queued_output_bytes",
                   "must hold one chunk frame and " + std::to_string(kControlReserveBytes) +
                       " bytes of control messages (at least " +
                       std::to_string(chunk_frame_bound(chunk_bytes) + kControlReserveBytes) + ")");
  }
  return Status::ok();
}

const char* request_kind_name(RequestKind kind) {
  switch (kind) {
    case RequestKind::inventory:
      return "inventory";
    case RequestKind::offer:
      return "offer";
    case RequestKind::chunk:
      return "chunk";
    case RequestKind::apply:
      return "apply";
    case RequestKind::rollback:
      return "rollback";
  }
  return "request";
}

}  // namespace hotsplice::protocol
