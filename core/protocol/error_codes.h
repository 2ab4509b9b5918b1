// Error codes of the wire protocol, declared once: framing (frame_codec.h), messages
// (messages.h), the frame stream (frame_stream.h), the guest's transfer receiver
// (transfer_receiver.h), the host side (host_session.h) and the refusals guestd sends in its
// results. A code that travels on the wire is declared here and named by both its sender and
// its receiver. Codes every component shares (io_error, invalid_field, invalid_json) are in
// core/base/error_codes.h.
#pragma once

namespace hotsplice::protocol::errc {

// Not an error: the code of a successful result message ("ok": true), by convention.
inline constexpr char kOk[] = "ok";

// Framing (frame_codec.h): what was wrong with one frame; decoding resumes at the next 0x00.
inline constexpr char kFrameTooLarge[] = "frame_too_large";
inline constexpr char kTruncatedFrame[] = "truncated_frame";
inline constexpr char kBadCrc[] = "bad_crc";
inline constexpr char kBadVersion[] = "bad_version";
inline constexpr char kBadJsonLength[] = "bad_json_length";
// (A frame whose JSON does not parse, or is not an object, is core/base's
// hotsplice::errc::kInvalidJson.)

// An error message or result whose code is not a valid wire code (field_rules.h) is sent
// with this one (ErrorMessage::answering); apply::errc::kInternalError names it too (a job
// of guestd's apply worker threw).
inline constexpr char kInternalError[] = "internal_error";

// Messages (messages.cpp). Either side answers an unparseable frame with an error message
// carrying the code; the host counts it as a bad frame.
// A hello whose protocol_version is newer than this side's: the host fails the session.
inline constexpr char kUnsupportedVersion[] = "unsupported_version";
// A frame whose "type" names no message this side knows.
inline constexpr char kUnknownMessage[] = "unknown_message";
// A frame other than a chunk that carries body bytes.
inline constexpr char kUnexpectedBody[] = "unexpected_body";
// A message the receiving side never accepts (guestd is sent a hello, an offer_accept, ...
// that only a guest sends): answered with an error message, which hostd counts as refused.
inline constexpr char kUnexpectedMessage[] = "unexpected_message";

// The frame stream (frame_stream.cpp): the peer closed or reset the channel.
inline constexpr char kDisconnected[] = "disconnected";

// The guest's transfer receiver (transfer_receiver.cpp). guestd sends these to hostd as the
// code of a failed transfer_offer or chunk result; hostd records them on the transfer.
// An offer whose sha256 is not 64 lower-case hex digits.
inline constexpr char kInvalidSha256[] = "invalid_sha256";
// An offer of an empty bundle.
inline constexpr char kInvalidSize[] = "invalid_size";
// (An offer over the guest's bound, or a chunk that runs past the offered size, is
// bundle::errc::kBundleTooLarge: a bundle over its reader's bound.)
// A chunk for a bundle that was not offered or is already complete.
inline constexpr char kUnexpectedChunk[] = "unexpected_chunk";
// A chunk that does not start where the staged bytes end (the message gives both offsets).
inline constexpr char kBadOffset[] = "bad_offset";
// All bytes arrived but hash to another SHA-256 than offered: the partial file is deleted and
// the transfer starts over.
inline constexpr char kSha256Mismatch[] = "sha256_mismatch";

// guestd's refusals of an apply, sent to hostd as the code of the apply's result.
// The bundle to apply was never offered to this guest (or is not staged any more).
inline constexpr char kNotTransferred[] = "not_transferred";
// The bundle was offered but not all of its bytes have arrived.
inline constexpr char kTransferIncomplete[] = "transfer_incomplete";

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
