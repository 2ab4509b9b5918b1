// Values that appear inside several wire messages: how a message relates to a request,
// which side is speaking, where an agent runs and which patches a kernel has.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/expected.h"
#include "core/base/json_reader.h"
#include "core/platform/environment.h"

namespace hotsplice::protocol {

// hello and heartbeat travel both ways: sent as a request with its own "id", answered in
// kind with "re" = that id. Exactly one of the two keys is present on the wire.
struct Correlation {
  bool is_reply = false;
  std::uint32_t number = 0;  // the request's id, for a request and for its reply alike

  static Correlation request(std::uint32_t id) { return {false, id}; }
  static Correlation reply_to(std::uint32_t id) { return {true, id}; }
  bool operator==(const Correlation&) const = default;
};

enum class Role { host, guest };

// Where an agent runs: core/platform's type, carried in hello messages.
using platform::Environment;

// A live patch as the kernel reports it under /sys/kernel/livepatch/<module>.
struct AppliedPatch {
  std::string id;      // bundle id
  std::string module;  // kernel module name
  bool enabled = false;
  bool transition = false;  // tasks are still being switched to (or from) the patch
  bool operator==(const AppliedPatch&) const = default;
};

// A bundle the agent does not re-apply by itself until an operator clears it (core/apply's
// crash-loop guard): its load began in an earlier boot that never reported the kernel
// healthy ("crashed_last_time"), or the kernel logged a bug while it settled
// ("kernel_bug_detected"). The same fields, code empty while the attempt is in progress,
// are the attempt record core/apply keeps on disk.
struct CrashRecord {
  std::string bundle_id;
  std::string boot_id;           // the boot that began loading it: /proc/sys/kernel/random/boot_id
  std::uint64_t started_at = 0;  // when, Unix seconds
  std::string code;              // why it is not re-applied; empty: attempt still in progress
  bool operator==(const CrashRecord&) const = default;
};

inline constexpr std::size_t kMaxAppliedPatches = 1024;
inline constexpr std::size_t kMaxCrashRecords = 1024;
inline constexpr std::size_t kMaxCapabilities = 64;

// Each writer adds its keys to an existing object; each reader names fields under
// object.path() in its errors.
void add_correlation(Json& message, const Correlation& correlation);
Expected<Correlation> read_correlation(const JsonObject& object);

const char* role_name(Role role);
Expected<Role> read_role(const JsonObject& object, std::string_view key);

Json to_json(const Environment& environment);
Expected<Environment> read_environment(const JsonObject& object, std::string_view key);

Json to_json(const std::vector<AppliedPatch>& patches);
Expected<std::vector<AppliedPatch>> read_applied_patches(const JsonObject& object,
                                                         std::string_view key);

// "code" is written only when set; read_crash_record accepts it absent (an attempt record).
Json to_json(const CrashRecord& record);
Expected<CrashRecord> read_crash_record(const Json& item, const std::string& path);
// Optional in hello and inventory (peers before issue 11 neither send nor expect it): an
// absent key reads as no records; each record on the wire must carry its code.
Json to_json(const std::vector<CrashRecord>& records);
Expected<std::vector<CrashRecord>> read_crash_records(const JsonObject& object,
                                                      std::string_view key);

}  // namespace hotsplice::protocol
