#include <filesystem>

#include "cli/bundle_commands.h"
#include "cli/error_codes.h"
#include "core/base/arguments.h"
#include "core/base/file_io.h"
#include "core/crypto/ed25519.h"

namespace hotsplice::cli {

int run_bundle_keygen(CommandContext& context) {
  auto arguments = Arguments::parse(context.arguments, {{"out"}}, 0);
  if (!arguments) return report_error(context, "bundle keygen", arguments.error());
  auto prefix = arguments->required("out");
  if (!prefix) return report_error(context, "bundle keygen", prefix.error());

  std::filesystem::path private_path = *prefix + ".key";
  std::filesystem::path public_path = *prefix + ".pub";
  for (const auto& path : {private_path, public_path}) {
    // Overwriting a signing key by accident would orphan every bundle signed with it.
    if (std::filesystem::exists(path)) {
      return report_error(
          context, "bundle keygen",
          Error(errc::kFileExists, path.string() + " already exists; not replacing it"));
    }
  }
  auto key = Ed25519PrivateKey::generate();
  if (!key) return report_error(context, "bundle keygen", key.error());
  if (Status written = write_file_atomically(private_path, key->to_pem(), 0600); !written) {
    return report_error(context, "bundle keygen", written.error());
  }
  if (Status written = write_file_atomically(public_path, key->public_key().to_pem(), 0644);
      !written) {
    return report_error(context, "bundle keygen", written.error());
  }
  context.out << "key id " << key->public_key().key_id() << "\n"
              << "private key " << private_path.string() << " (keep it secret)\n"
              << "public key  " << public_path.string()
              << " (copy it to /etc/hotsplice/keys.d/ on every machine that should trust it)\n";
  return kExitOk;
}

}  // namespace hotsplice::cli
