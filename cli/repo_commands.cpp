#include "cli/repo_commands.h"

#include <charconv>
#include <ctime>

#include "core/base/arguments.h"
#include "core/base/error_codes.h"
#include "core/bundle/trusted_keys.h"
#include "core/repository/repository_writer.h"

namespace hotsplice::cli {
namespace {

constexpr long kMaxExpiryDays = 3650;

const std::vector<OptionSpec> kRepoOptions = {{"repo"}, {"key"}, {"keys"}, {"expires-in"}};

struct Publishing {
  std::string directory;
  Ed25519PrivateKey key;
  TrustedKeys keys;  // for checking the bundles: the signing key's own, plus --keys DIR
  std::chrono::days valid_for = repository::kDefaultIndexValidity;
  std::vector<std::string> bundles;  // positionals
};

Expected<std::chrono::days> parse_days(const std::string& text) {
  long days = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), days);
  if (error != std::errc() || end != text.data() + text.size() || days < 1 ||
      days > kMaxExpiryDays) {
    return Error(hotsplice::errc::kUsage, "--expires-in \"" + text +
                                              "\": expected a number of days from 1 to " +
                                              std::to_string(kMaxExpiryDays));
  }
  return std::chrono::days(days);
}

Expected<Publishing> parse_publishing(const std::vector<std::string>& argv,
                                      std::size_t max_bundles) {
  auto arguments = Arguments::parse(argv, kRepoOptions, max_bundles);
  if (!arguments) return arguments.error();
  auto directory = arguments->required("repo");
  if (!directory) return directory.error();
  auto key_path = arguments->required("key");
  if (!key_path) return key_path.error();
  auto key = load_private_key(*key_path);
  if (!key) return key.error();
  TrustedKeys keys;
  if (auto keys_directory = arguments->value("keys")) {
    auto loaded = TrustedKeys::load(*keys_directory);
    if (!loaded) return loaded.error();
    keys = std::move(*loaded);
  }
  keys.add(key->public_key());
  Publishing publishing{
      *directory, std::move(*key), std::move(keys), repository::kDefaultIndexValidity, {}};
  if (auto days = arguments->value("expires-in")) {
    auto parsed = parse_days(*days);
    if (!parsed) return parsed.error();
    publishing.valid_for = *parsed;
  }
  publishing.bundles = arguments->positionals();
  return publishing;
}

int publish(CommandContext& context, const std::string& what, const Publishing& publishing) {
  auto now = repository::Seconds(std::chrono::seconds(std::time(nullptr)));
  auto index = repository::publish_index(publishing.directory, publishing.key, publishing.keys, now,
                                         publishing.valid_for);
  if (!index) return report_error(context, what, index.error());
  for (const auto& entry : index->bundles) {
    context.out << "  " << entry.id << "  " << entry.file << "  " << describe(entry.target) << "\n";
  }
  context.out << "published index version " << index->version << " of " << publishing.directory
              << ": " << index->bundles.size() << " bundle(s), expires "
              << repository::format_time(index->expires) << ", signed with key "
              << publishing.key.public_key().key_id() << "\n";
  return kExitOk;
}

}  // namespace

int run_repo_add(CommandContext& context) {
  const std::string what = "repo add";
  auto publishing = parse_publishing(context.arguments, repository::kMaxIndexEntries);
  if (!publishing) return report_error(context, what, publishing.error());
  if (publishing->bundles.empty()) {
    return report_error(context, what,
                        Error(hotsplice::errc::kUsage, "name at least one bundle file to add"));
  }
  std::vector<std::filesystem::path> bundles(publishing->bundles.begin(),
                                             publishing->bundles.end());
  if (Status added = repository::add_bundles(publishing->directory, bundles, publishing->keys);
      !added) {
    return report_error(context, what, added.error());
  }
  return publish(context, what, *publishing);
}

int run_repo_index(CommandContext& context) {
  const std::string what = "repo index";
  auto publishing = parse_publishing(context.arguments, 0);
  if (!publishing) return report_error(context, what, publishing.error());
  return publish(context, what, *publishing);
}

}  // namespace hotsplice::cli
