// The signed bundle and repository the fan-out bench and the fault tests push to simulated
// guests: a livepatch-marked object compiled by gcc at run time (padded to the size asked
// for), signed with a fresh Ed25519 key into a bundle for the simulated guests' kernel, and
// published in a signed repository directory with `hotsplice repo add`'s library calls.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "core/base/expected.h"
#include "core/crypto/ed25519.h"
#include "core/kernel/kernel_identity.h"

namespace hotsplice::bench {

// The kernel every simulated guest reports (pass it to hotsplice-guestd-sim).
inline const KernelIdentity kSimKernel{"6.1.0-56-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1",
                                       "4fa2b0e9c0a1d2e3f40516273849aabbccddeeff"};
inline constexpr char kSimModule[] = "hs_bench_fanout";
inline constexpr char kSimBundleId[] = "hs-bench-fanout-1";

struct SimRepository {
  std::filesystem::path keys_dir;  // the public key: hostd's and the guests' keys_dir
  std::filesystem::path repo_dir;  // bundles + signed index: hostd's repository.directory
  std::uint64_t bundle_bytes = 0;
};

// Makes dir/keys, dir/repo and the bundle (about bundle_bytes; the module's ELF and the
// manifest add ~2 KiB to the padding). Fails when gcc or any step fails.
Expected<SimRepository> publish_sim_bundle(const std::filesystem::path& dir,
                                           std::size_t bundle_bytes);

// Publishes a signed bundle (bundle_bytes, an encoded .hsb signed with key) in a repository
// signed with key: makes dir/keys (key's public half), dir/repo and dir/<id>.hsb. For tests
// whose guests are real (the bundle's target is their kernel).
Expected<SimRepository> publish_bundle(const std::filesystem::path& dir,
                                       const Ed25519PrivateKey& key,
                                       const std::string& bundle_bytes);

}  // namespace hotsplice::bench
