#include "cli/command.h"

#include "core/base/error_codes.h"
#include "core/base/file_io.h"
#include "core/base/outside_text.h"

namespace hotsplice::cli {

int report_error(CommandContext& context, const std::string& what, const Error& error) {
  // Messages quote outside text (paths, names read from files): never raw to a terminal.
  context.err << "hotsplice: " << terminal_text(what) << ": " << terminal_text(error.message())
              << " [" << terminal_text(error.code()) << "]\n";
  return error.code() == hotsplice::errc::kUsage ? kExitUsage : kExitFailure;
}

Expected<Ed25519PrivateKey> load_private_key(const std::string& path) {
  constexpr std::size_t kMaxKeyFileBytes = 16 * 1024;
  auto pem = read_file(path, kMaxKeyFileBytes);
  if (!pem) return pem.error();
  auto key = Ed25519PrivateKey::from_pem(*pem);
  if (!key) return key.error().with_context(path);
  return key;
}

}  // namespace hotsplice::cli
