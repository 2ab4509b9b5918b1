// What every hotsplice subcommand gets and returns: its arguments, where to print, and an
// exit status scripts can rely on.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "core/base/expected.h"
#include "core/crypto/ed25519.h"

namespace hotsplice::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,  // the operation was refused or failed (bad bundle, I/O error, ...)
  kExitUsage = 64,   // the command line was wrong (sysexits.h EX_USAGE)
};

struct CommandContext {
  std::vector<std::string> arguments;  // after the subcommand words
  std::ostream& out;
  std::ostream& err;
};

// Prints "hotsplice: <what>: <message> [<code>]" and returns the matching exit code.
int report_error(CommandContext& context, const std::string& what, const Error& error);

// Reads an Ed25519 private key (PEM, as `bundle keygen` writes it); errors name the file.
Expected<Ed25519PrivateKey> load_private_key(const std::string& path);

}  // namespace hotsplice::cli
