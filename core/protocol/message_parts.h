// Values that appear inside several wire messages: how a message relates to a request,
// which side is speaking, where an agent runs and which patches a kernel has.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/base/expected.h"
#include "core/base/json_reader.h"

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

// Where an agent runs. technology names the mechanism when known: "kvm", "xen", "openvz",
// "lxc", ...; empty when unknown.
struct Environment {
  enum class Kind { vm, container, bare_metal };
  Kind kind = Kind::vm;
  std::string technology;
  bool operator==(const Environment&) const = default;
};

// A live patch as the kernel reports it under /sys/kernel/livepatch/<module>.
struct AppliedPatch {
  std::string id;      // bundle id
  std::string module;  // kernel module name
  bool enabled = false;
  bool transition = false;  // tasks are still being switched to (or from) the patch
  bool operator==(const AppliedPatch&) const = default;
};

inline constexpr std::size_t kMaxAppliedPatches = 1024;
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

}  // namespace hotsplice::protocol
