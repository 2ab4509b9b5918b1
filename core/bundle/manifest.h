// The manifest of a live-patch bundle: what the patch is, which exact kernel it is for,
// what it replaces and which module carries it. The manifest's exact bytes are what the
// Ed25519 signature covers, so parse_manifest only ever sees bytes whose signature was
// checked first (see verify_bundle) — but it is still written for hostile input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/base/expected.h"
#include "core/bundle/manifest_rules.h"
#include "core/kernel/kernel_identity.h"

namespace hotsplice {

inline constexpr std::uint64_t kManifestSchemaVersion = 1;
inline constexpr std::size_t kMaxManifestBytes = 1 << 20;
inline constexpr std::uint64_t kMaxModuleBytes = 64ull << 20;
inline constexpr std::size_t kMaxCves = 256;  // CVE ids one manifest (or index entry) lists

// The functions a patch replaces inside one object: "vmlinux" or a module name.
struct ReplacedObject {
  std::string object;
  std::vector<std::string> functions;
  bool operator==(const ReplacedObject&) const = default;
};

struct ModuleReference {
  std::string name;    // kernel module name (also the /sys/kernel/livepatch/<name> directory)
  std::string sha256;  // lower-case hex of the .ko bytes
  std::uint64_t size = 0;
  bool operator==(const ModuleReference&) const = default;
};

struct Manifest {
  std::uint64_t schema = kManifestSchemaVersion;
  std::string id;  // stable, unique per patch: [A-Za-z0-9._-]{1,64}, not starting with '.'
  std::string description;
  std::vector<std::string> cves;  // "CVE-YYYY-NNNN..."
  KernelIdentity target;
  std::vector<ReplacedObject> replaces;
  ModuleReference module;
  std::string created;  // UTC, "YYYY-MM-DDTHH:MM:SSZ"
  bool operator==(const Manifest&) const = default;
};

// Fails with a code per problem: "invalid_json", "unsupported_schema", "missing_field",
// "invalid_field", "unknown_field", "unsafe_name". Every message names the field.
Expected<Manifest> parse_manifest(std::string_view bytes);

// Canonical serialisation (sorted keys, two-space indent, final newline). Validates first
// so that nothing we write would be refused by parse_manifest.
Expected<std::string> serialize_manifest(const Manifest& manifest);

// The kernel module file name for a manifest: "<module.name>.ko".
std::string module_file_name(const Manifest& manifest);

}  // namespace hotsplice
