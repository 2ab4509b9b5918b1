// What makes a running kernel unique for patching purposes: a live patch built for one
// kernel must never be loaded into another, so bundles, the wire protocol and the agents all
// compare these three values.
#pragma once

#include <string>

#include "core/base/expected.h"
#include "core/base/json_reader.h"

namespace hotsplice {

struct KernelIdentity {
  std::string release;   // as `uname -r` prints it, e.g. "6.1.0-56-amd64"
  std::string version;   // as `uname -v` prints it, e.g. "#1 SMP PREEMPT_DYNAMIC Debian ..."
  std::string build_id;  // GNU build-id of the kernel image, lower-case hex

  bool operator==(const KernelIdentity&) const = default;
};

// Limits shared by every reader of a kernel identity.
inline constexpr std::size_t kMaxReleaseLength = 64;   // __NEW_UTS_LEN
inline constexpr std::size_t kMaxVersionLength = 64;   // __NEW_UTS_LEN
inline constexpr std::size_t kMaxBuildIdLength = 128;  // hex digits (64 bytes, generous)

Json to_json(const KernelIdentity& identity);
// Reads {"release", "version", "build_id"}, validating each field's form.
Expected<KernelIdentity> kernel_identity_from_json(const JsonObject& object);

// A one-line description for logs and CLI output: "6.1.0-56-amd64 (build-id 1a2b...)".
std::string describe(const KernelIdentity& identity);

}  // namespace hotsplice
