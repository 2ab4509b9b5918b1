// `bundle verify` and `bundle inspect`: both read a bundle and check it against the trusted
// keys; verify answers yes or no, inspect shows everything inside as well.
#include <cstdlib>

#include "cli/bundle_commands.h"
#include "cli/bundle_report.h"
#include "core/base/arguments.h"
#include "core/base/error_codes.h"
#include "core/base/file_io.h"
#include "core/base/outside_text.h"
#include "core/bundle/bundle_verifier.h"

namespace hotsplice::cli {
namespace {

std::string keys_directory(const Arguments& arguments) {
  if (auto keys = arguments.value("keys")) return *keys;
  if (const char* from_environment = std::getenv("HOTSPLICE_KEYS_DIR")) return from_environment;
  return kDefaultKeysDirectory;
}

struct LoadedBundle {
  std::string path;
  std::string bytes;
  TrustedKeys keys;
};

// Parses "[--keys DIR] [extra options] FILE" and loads the file and the trusted keys.
Expected<LoadedBundle> load(const CommandContext& context, std::vector<OptionSpec> options,
                            Arguments& arguments_out) {
  options.push_back({"keys"});
  auto arguments = Arguments::parse(context.arguments, options, 1);
  if (!arguments) return arguments.error();
  if (arguments->positionals().size() != 1)
    return Error(hotsplice::errc::kUsage, "expected one bundle file");
  arguments_out = *arguments;
  LoadedBundle loaded{arguments->positionals()[0], {}, {}};
  auto bytes = read_file(loaded.path, max_bundle_bytes());
  if (!bytes) return bytes.error();
  loaded.bytes = std::move(*bytes);
  auto keys = TrustedKeys::load(keys_directory(*arguments));
  if (!keys) return keys.error();
  loaded.keys = std::move(*keys);
  return loaded;
}

}  // namespace

int run_bundle_verify(CommandContext& context) {
  Arguments arguments;
  auto loaded = load(context, {}, arguments);
  if (!loaded) return report_error(context, "bundle verify", loaded.error());
  auto verified = verify_bundle_bytes(loaded->bytes, loaded->keys);
  if (!verified) return report_error(context, "bundle verify " + loaded->path, verified.error());
  context.out << "ok: " << terminal_text(verified->manifest.id) << " for "
              << terminal_text(describe(verified->manifest.target)) << ", signed by key "
              << verified->key_id << "\n";
  return kExitOk;
}

int run_bundle_inspect(CommandContext& context) {
  Arguments arguments;
  auto loaded = load(context, {{"json", false}}, arguments);
  if (!loaded) return report_error(context, "bundle inspect", loaded.error());
  auto parts = decode_bundle(loaded->bytes);
  if (!parts) return report_error(context, "bundle inspect " + loaded->path, parts.error());

  InspectedBundle inspected;
  inspected.total_bytes = loaded->bytes.size();
  auto manifest = parse_manifest(parts->manifest);
  if (manifest) {
    inspected.manifest = std::move(*manifest);
  } else {
    inspected.manifest_error = manifest.error();
  }
  auto verified = verify_bundle(std::move(*parts), loaded->keys);
  if (verified) {
    inspected.key_id = verified->key_id;
  } else {
    inspected.verification_error = verified.error();
  }
  if (arguments.has("json")) {
    context.out << dump_json(bundle_to_json(inspected), 2) << "\n";
  } else {
    print_bundle_text(context.out, inspected);
  }
  // Inspecting is not trusting: an unverified bundle is shown, and the exit status says so.
  return inspected.key_id ? kExitOk : kExitFailure;
}

}  // namespace hotsplice::cli
