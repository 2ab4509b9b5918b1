#include "bench/fanout/sim_bundle.h"

#include "core/base/file_io.h"
#include "core/base/subprocess.h"
#include "core/bundle/bundle_file.h"
#include "core/bundle/bundle_verifier.h"
#include "core/bundle/trusted_keys.h"
#include "core/crypto/ed25519.h"
#include "core/repository/repository_writer.h"

namespace hotsplice::bench {

Expected<SimRepository> publish_bundle(const std::filesystem::path& dir,
                                       const Ed25519PrivateKey& key,
                                       const std::string& bundle_bytes) {
  SimRepository repo{dir / "keys", dir / "repo", bundle_bytes.size()};
  if (auto s = ensure_directory(repo.keys_dir); !s) return s.error();
  if (auto s = write_file_atomically(repo.keys_dir / "bench.pub", key.public_key().to_pem()); !s) {
    return s.error();
  }
  auto keys = TrustedKeys::load(repo.keys_dir);
  if (!keys) return keys.error();
  auto verified = verify_bundle_bytes(bundle_bytes, *keys);
  if (!verified) return verified.error();
  std::filesystem::path file = dir / (verified->manifest.id + ".hsb");
  if (auto s = write_file_atomically(file, bundle_bytes); !s) return s.error();
  if (auto s = ensure_directory(repo.repo_dir); !s) return s.error();
  if (auto s = repository::add_bundles(repo.repo_dir, {file}, *keys); !s) return s.error();
  auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  if (auto index = repository::publish_index(repo.repo_dir, key, *keys, now); !index) {
    return index.error();
  }
  return repo;
}

Expected<SimRepository> publish_sim_bundle(const std::filesystem::path& dir,
                                           std::size_t bundle_bytes) {
  auto key = Ed25519PrivateKey::generate();
  if (!key) return key.error();
  if (auto s = ensure_directory(dir); !s) return s.error();
  std::size_t padding = bundle_bytes > 4096 ? bundle_bytes - 2048 : 2048;
  std::string source = std::string(
                           "__attribute__((section(\".modinfo\"), used, aligned(1))) "
                           "static const char info[] = \"name=") +
                       kSimModule + "\\0livepatch=Y\";\n__attribute__((used)) static const char " +
                       "padding[" + std::to_string(padding) + "] = {1};\n";
  if (auto s = write_file_atomically(dir / "module.c", source); !s) return s.error();
  auto built = run_checked(SubprocessSpec(
      {"gcc", "-c", "-o", (dir / "module.o").string(), (dir / "module.c").string()}));
  if (!built) return built.error();
  auto module = read_file(dir / "module.o", 256 << 20);
  if (!module) return module.error();
  Manifest manifest;
  manifest.id = kSimBundleId;
  manifest.description = "simulated guests' bundle";
  manifest.target = kSimKernel;
  manifest.replaces = {{"vmlinux", {"cmdline_proc_show"}}};
  manifest.module.name = kSimModule;
  manifest.created = "2026-11-30T00:00:00Z";
  auto parts = make_signed_bundle(manifest, std::move(*module), *key);
  if (!parts) return parts.error();
  return publish_bundle(dir, *key, encode_bundle(*parts));
}

}  // namespace hotsplice::bench
