// The error codes hotsplice-hostd produces, declared once. Each is a stable snake_case
// identifier that logs, the control socket and scripts rely on.
#pragma once

namespace hotsplice::hostd::errc {

// Configuration (config.cpp).
inline constexpr char kConfigInvalid[] = "config_invalid";
inline constexpr char kConfigUnreadable[] = "config_unreadable";

// State database (state_db.cpp).
inline constexpr char kStateDbOpen[] = "state_db_open";
inline constexpr char kStateDbCorrupt[] = "state_db_corrupt";
inline constexpr char kStateDbSchema[] = "state_db_schema";
inline constexpr char kStateDbWrite[] = "state_db_write";
inline constexpr char kStateDbRead[] = "state_db_read";

// Rollout (rollout_engine.cpp).
inline constexpr char kUnknownGuest[] = "unknown_guest";
inline constexpr char kUnknownBundle[] = "unknown_bundle";
inline constexpr char kBundleNotForKernel[] = "bundle_not_for_kernel";
inline constexpr char kGuestBusy[] = "guest_busy";
inline constexpr char kGuestNotReady[] = "guest_not_ready";
inline constexpr char kBundleUnreadable[] = "bundle_unreadable";
inline constexpr char kTargetClosed[] = "target_closed";
// The agent has not answered a handshake or liveness check within timeouts.handshake.
inline constexpr char kAgentNoAnswer[] = "agent_no_answer";

// Why an operator's apply queued nothing (RolloutEngine::request_apply's "nothing_queued"
// answer; the CLI exits 0 only for kAlreadyLive). Not errors: the request was understood.
// Every bundle it asked for is live (or superseded by a newer live level).
inline constexpr char kAlreadyLive[] = "already_live";
// No verified bundle targets the guest's exact kernel (its status is unsupported_kernel).
inline constexpr char kNoBundleForKernel[] = "no_bundle_for_kernel";
// Bundles target its kernel, but its pin holds it below all of them that are not live.
inline constexpr char kHeldByPin[] = "held_by_pin";

// Guest channel sessions (channel_connection.cpp, remote_guest_target.cpp).
inline constexpr char kChannelConnect[] = "channel_connect";
inline constexpr char kChannelTimeout[] = "channel_timeout";
inline constexpr char kChannelClosed[] = "channel_closed";
inline constexpr char kChannelIo[] = "channel_io";
inline constexpr char kChannelQueueFull[] = "channel_queue_full";

// Single instance (instance_lock.cpp, daemon.cpp): another hostd holds this state_dir's
// lock or answers on the control socket; nothing was read or written.
inline constexpr char kAlreadyRunning[] = "hostd_already_running";
inline constexpr char kInstanceLock[] = "instance_lock";

// Control socket (control_*.cpp).
inline constexpr char kControlBadRequest[] = "bad_request";
inline constexpr char kControlUnknownCommand[] = "unknown_command";
inline constexpr char kControlTooLarge[] = "request_too_large";
inline constexpr char kHostdNotRunning[] = "hostd_not_running";
inline constexpr char kControlIo[] = "control_io";
inline constexpr char kControlBadResponse[] = "bad_response";

// HTTP API (http_*.cpp, api_*.cpp); each maps to one HTTP status (docs/api.md).
inline constexpr char kHttpNotFound[] = "not_found";                   // 404
inline constexpr char kHttpMethodNotAllowed[] = "method_not_allowed";  // 405
inline constexpr char kHttpBadJson[] = "bad_json";                     // 400
inline constexpr char kHttpBadParameter[] = "bad_parameter";           // 400
inline constexpr char kHttpMissingToken[] = "missing_token";           // 401
inline constexpr char kHttpWrongToken[] = "wrong_token";               // 403
inline constexpr char kHttpTokenUnavailable[] = "token_unavailable";   // 503
inline constexpr char kHttpBodyTooLarge[] = "body_too_large";          // 413
inline constexpr char kHttpBadRequest[] = "bad_http_request";          // 400
inline constexpr char kHttpInternal[] = "internal_error";              // 500
inline constexpr char kHttpListen[] = "http_listen";  // the API could not bind its address
inline constexpr char kTokenFileUnsafe[] = "token_file_unsafe";  // group/world readable
inline constexpr char kTokenFileUnreadable[] = "token_file_unreadable";

// Daemon (daemon.cpp).
inline constexpr char kSocketSetup[] = "socket_setup";

}  // namespace hotsplice::hostd::errc
