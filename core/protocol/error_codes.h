// Error codes of the wire protocol: framing (frame_codec.h) and the host side
// (host_session.h). Older protocol code still writes its codes at the call site; new codes
// are declared here, once.
#pragma once

namespace hotsplice::protocol::errc {

// Framing (frame_codec.h): what was wrong with one frame; decoding resumes at the next 0x00.
inline constexpr char kFrameTooLarge[] = "frame_too_large";
inline constexpr char kTruncatedFrame[] = "truncated_frame";
inline constexpr char kBadCrc[] = "bad_crc";
inline constexpr char kBadVersion[] = "bad_version";
inline constexpr char kBadJsonLength[] = "bad_json_length";
// The frame's JSON is valid but not an object (parse errors come from core/base's reader).
inline constexpr char kInvalidJson[] = "invalid_json";

// A wait on the guest ran out (sync, hello, a request's reply, a window acknowledgement).
inline constexpr char kTimeout[] = "timeout";
// The guest said something the protocol does not allow at this point: a reply to a request
// never made, a hello claiming the host role, a transfer_complete for other bytes, ...
inline constexpr char kProtocolViolation[] = "protocol_violation";
// More undecodable frames, refused messages or unsolicited replies than the session allows.
inline constexpr char kTooManyBadFrames[] = "too_many_bad_frames";
// Replies the guest asked for (its heartbeats) would queue more output than the session's
// bound: the guest sends without reading.
inline constexpr char kOutputOverflow[] = "output_overflow";
// A request while another one is outstanding, or before the session is ready.
inline constexpr char kSessionBusy[] = "session_busy";
inline constexpr char kSessionNotReady[] = "session_not_ready";
// A request after the session failed: the caller must close the channel.
inline constexpr char kSessionFailed[] = "session_failed";
// The guest answered one of our requests with an error frame.
inline constexpr char kGuestRefusedFrame[] = "guest_refused_frame";
// Options out of their documented bounds (HostSessionOptions::validate).
inline constexpr char kInvalidOptions[] = "invalid_options";
// A bundle handed to send_bundle that cannot travel (empty or over kMaxBundleBytes).
inline constexpr char kInvalidBundle[] = "invalid_bundle";

}  // namespace hotsplice::protocol::errc
