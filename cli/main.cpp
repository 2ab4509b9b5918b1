// hotsplice: the operator's command-line tool.
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "cli/bundle_commands.h"
#include "cli/hostd_commands.h"
#include "cli/kernel_commands.h"
#include "cli/repo_commands.h"
#include "core/base/outside_text.h"
#include "core/base/version.h"

namespace {

using hotsplice::cli::CommandContext;

struct Subcommand {
  const char* group;
  const char* name;
  int (*run)(CommandContext&);
  const char* synopsis;
};

constexpr Subcommand kSubcommands[] = {
    {"bundle", "keygen", hotsplice::cli::run_bundle_keygen,
     "--out PREFIX                  make an Ed25519 signing key (PREFIX.key, PREFIX.pub)"},
    {"bundle", "sign", hotsplice::cli::run_bundle_sign,
     "--key K --module M.ko --id ID --replaces OBJ:FN[,FN] --output B.hsb\n"
     "        (--target-image VMLINUZ | --target-running [--root DIR] |\n"
     "         --target-release R --target-version V "
     "--target-build-id HEX)\n"
     "        [--cve CVE-...]... [--description TEXT] [--allow-non-livepatch]"},
    {"bundle", "verify", hotsplice::cli::run_bundle_verify,
     "[--keys DIR] B.hsb            check signature, manifest and module"},
    {"bundle", "inspect", hotsplice::cli::run_bundle_inspect,
     "[--keys DIR] [--json] B.hsb   show a bundle and whether it verifies"},
    {"kernel", "status", hotsplice::cli::run_kernel_status,
     "[--root DIR] [--json]         this kernel's identity and its live patches"},
    {"kernel", "identify", hotsplice::cli::run_kernel_identify,
     "[--json] IMAGE                identity of a kernel image (/boot/vmlinuz-*)"},
    {"repo", "add", hotsplice::cli::run_repo_add,
     "--repo DIR --key K [--keys DIR] [--expires-in DAYS] B.hsb...\n"
     "        copy verified bundles into a repository and publish a new signed index"},
    {"repo", "index", hotsplice::cli::run_repo_index,
     "--repo DIR --key K [--keys DIR] [--expires-in DAYS]\n"
     "        publish a new signed index of DIR's bundles (version + 1, default 30 days)"},
    // One-word commands (group only, name empty) talk to hotsplice-hostd.
    {"status", "", hotsplice::cli::run_status,
     "[--json]                            hostd, host kernel, coverage, CVEs, rollout"},
    {"guests", "", hotsplice::cli::run_guests,
     "[--json]                            every guest: kind, status, open CVEs, kernel"},
    {"guest", "", hotsplice::cli::run_guest,
     "ID [--json]                         one guest: patches, why not, CVEs, history"},
    {"uname", "", hotsplice::cli::run_uname,
     "[--json]                            this machine's effective kernel level"},
    {"apply", "", hotsplice::cli::run_apply,
     "GUEST [PATCH]                        apply (every missing patch, or PATCH) now"},
    {"rollback", "", hotsplice::cli::run_rollback,
     "GUEST PATCH                       roll PATCH back in GUEST"},
    {"rollout", "", hotsplice::cli::run_rollout,
     "status|pause|resume [--json]       the automatic rollout"},
};

void print_usage(std::ostream& out) {
  out << "usage: hotsplice <command> [options]\n\ncommands:\n";
  for (const auto& command : kSubcommands) {
    out << "  " << command.group << (*command.name ? " " : "") << command.name << " "
        << command.synopsis << "\n";
  }
  out << "\nhostd commands use /run/hotsplice/hostd.sock (--socket PATH or "
         "$HOTSPLICE_HOSTD_SOCKET).\nTrusted keys are read from --keys DIR, $HOTSPLICE_KEYS_DIR or "
         "/etc/hotsplice/keys.d.\n"
         "Exit status: 0 success, 1 refused or failed, 64 usage error.\n";
}

// Global options may come before the command (`hotsplice --socket X status`): they move
// behind it, where every command reads its options. Only these take a value.
std::vector<std::string> options_after_command(std::vector<std::string> words) {
  static const std::set<std::string> kWithValue = {"--socket", "--keys"};
  std::vector<std::string> leading;
  std::size_t i = 0;
  while (i < words.size() && words[i].starts_with("--") && words[i] != "--help" &&
         words[i] != "--version") {
    leading.push_back(words[i]);
    if (kWithValue.count(words[i]) && i + 1 < words.size()) leading.push_back(words[++i]);
    ++i;
  }
  if (leading.empty() || i == words.size()) return words;
  std::vector<std::string> out(words.begin() + static_cast<std::ptrdiff_t>(i), words.end());
  // After the command word(s): a group command's name is the next word, so options go last.
  out.insert(out.end(), leading.begin(), leading.end());
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> words = options_after_command({argv + 1, argv + argc});
  if (words.empty() || words[0] == "--help" || words[0] == "-h" || words[0] == "help") {
    print_usage(words.empty() ? std::cerr : std::cout);
    return words.empty() ? hotsplice::cli::kExitUsage : hotsplice::cli::kExitOk;
  }
  if (words[0] == "--version") {
    std::cout << "hotsplice " << hotsplice::kVersion << "\n";
    return hotsplice::cli::kExitOk;
  }
  for (const auto& command : kSubcommands) {
    if (!*command.name && words[0] == command.group) {
      CommandContext context{{words.begin() + 1, words.end()}, std::cout, std::cerr};
      return command.run(context);
    }
    if (words.size() >= 2 && words[0] == command.group && words[1] == command.name) {
      CommandContext context{{words.begin() + 2, words.end()}, std::cout, std::cerr};
      return command.run(context);
    }
  }
  const std::string typed = words[0] + (words.size() > 1 ? " " + words[1] : "");
  std::cerr << "hotsplice: unknown command \"" << hotsplice::terminal_text(typed) << "\"\n\n";
  print_usage(std::cerr);
  return hotsplice::cli::kExitUsage;
}
