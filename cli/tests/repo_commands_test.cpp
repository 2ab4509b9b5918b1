// `hotsplice repo add|index` in process: the directory they write is a repository that
// core/repository's verifier and cache accept.
#include <catch2/catch.hpp>

#include "cli/bundle_commands.h"
#include "cli/repo_commands.h"
#include "cli/tests/command_runner.h"
#include "core/base/file_io.h"
#include "core/bundle/bundle_file.h"
#include "core/bundle/bundle_verifier.h"
#include "core/repository/repository_cache.h"
#include "core/repository/repository_index.h"
#include "tests/support/temp_dir.h"

namespace cli = hotsplice::cli;
namespace repo = hotsplice::repository;
using hotsplice::cli::testing::run;
using hotsplice::testing::TempDir;

namespace {

// A signing key made by `bundle keygen`: PREFIX.key, and PREFIX.pub copied into keys_dir.
std::string make_key(const TempDir& dir, const std::string& name) {
  auto made = run(cli::run_bundle_keygen, {"--out", (dir / name).string()});
  REQUIRE(made.exit_code == 0);
  std::filesystem::create_directories(dir / (name + "-keys"));
  std::filesystem::copy_file(dir / (name + ".pub"), dir / (name + "-keys") / (name + ".pub"));
  return (dir / (name + ".key")).string();
}

std::string write_bundle(const TempDir& dir, const std::string& key_path, const std::string& id,
                         const std::string& module = "module") {
  auto key = cli::load_private_key(key_path);
  REQUIRE(key);
  hotsplice::Manifest manifest;
  manifest.id = id;
  manifest.target = {"6.1.0-56-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-11-16)",
                     "eb4fbcd037e7253717950bf2b93bd5566f47c56f"};
  manifest.cves = {"CVE-2024-1086"};
  manifest.replaces = {{"vmlinux", {"cmdline_proc_show"}}};
  manifest.module.name = "hotsplice_test";
  manifest.created = "2026-11-29T12:00:00Z";
  auto parts = hotsplice::make_signed_bundle(manifest, module, *key);
  REQUIRE(parts);
  auto path = dir / "out" / (id + "-" + module + ".hsb");
  std::filesystem::create_directories(path.parent_path());
  REQUIRE(hotsplice::write_bundle_file(path, *parts));
  return path.string();
}

repo::SignedIndex read_index(const std::filesystem::path& repository, const std::string& keys) {
  auto bytes = hotsplice::read_file(repository / "index.json", repo::kMaxIndexBytes);
  auto signature = hotsplice::read_file(repository / "index.sig", 4096);
  REQUIRE(bytes);
  REQUIRE(signature);
  auto trusted = hotsplice::TrustedKeys::load(keys);
  REQUIRE(trusted);
  auto index = repo::verify_index(*bytes, *signature, *trusted);
  INFO((index ? "" : index.error().message()));
  REQUIRE(index);
  return *index;
}

}  // namespace

TEST_CASE("repo add and repo index publish a signed, growing index a cache accepts") {
  TempDir dir;
  std::string key = make_key(dir, "publisher");
  std::string keys = (dir / "publisher-keys").string();
  std::string repository = (dir / "repo").string();
  std::string a = write_bundle(dir, key, "hs-a");
  std::string b = write_bundle(dir, key, "hs-b");

  auto added = run(cli::run_repo_add, {"--repo", repository, "--key", key, a, b});
  INFO(added.err);
  REQUIRE(added.exit_code == cli::kExitOk);
  CHECK_THAT(added.out, Catch::Contains("  hs-a  hs-a.hsb  6.1.0-56-amd64"));
  CHECK_THAT(added.out, Catch::Contains("published index version 1 of " + repository +
                                        ": 2 bundle(s), expires "));
  repo::SignedIndex first = read_index(repository, keys);
  CHECK(first.index.version == 1);
  REQUIRE(first.index.bundles.size() == 2);
  CHECK(first.index.bundles[0].file == "hs-a.hsb");
  CHECK(first.index.expires - first.index.generated == std::chrono::days(30));

  auto reindexed =
      run(cli::run_repo_index, {"--repo", repository, "--key", key, "--expires-in", "7"});
  REQUIRE(reindexed.exit_code == cli::kExitOk);
  repo::SignedIndex second = read_index(repository, keys);
  CHECK(second.index.version == 2);
  CHECK(second.index.bundles == first.index.bundles);
  CHECK(second.index.expires - second.index.generated == std::chrono::days(7));

  // What a host does with it.
  TempDir cache_dir;
  auto trusted = hotsplice::TrustedKeys::load(keys);
  REQUIRE(trusted);
  auto cache = repo::RepositoryCache::open(cache_dir.path(), std::move(*trusted));
  REQUIRE(cache);
  repo::LocalDirectorySource source(repository);
  auto report = cache->sync(source, std::chrono::system_clock::now());
  INFO((report ? "" : report.error().message()));
  REQUIRE(report);
  CHECK(report->index_version == 2);
  CHECK(report->added == std::vector<std::string>{"hs-a", "hs-b"});
}

TEST_CASE("repo add refuses bundles it cannot verify and ids it already holds otherwise") {
  TempDir dir;
  std::string key = make_key(dir, "publisher");
  std::string other_key = make_key(dir, "builder");
  std::string repository = (dir / "repo").string();
  REQUIRE(
      run(cli::run_repo_add, {"--repo", repository, "--key", key, write_bundle(dir, key, "hs-a")})
          .exit_code == cli::kExitOk);

  // Signed by a key the publisher was not told to trust.
  std::string foreign = write_bundle(dir, other_key, "hs-foreign");
  auto refused = run(cli::run_repo_add, {"--repo", repository, "--key", key, foreign});
  CHECK(refused.exit_code == cli::kExitFailure);
  CHECK_THAT(refused.err, Catch::Contains("[unknown_key]"));
  CHECK_FALSE(std::filesystem::exists(dir / "repo" / "hs-foreign.hsb"));
  auto trusted = run(cli::run_repo_add, {"--repo", repository, "--key", key, "--keys",
                                         (dir / "builder-keys").string(), foreign});
  INFO(trusted.err);
  CHECK(trusted.exit_code == cli::kExitOk);
  CHECK_THAT(trusted.out, Catch::Contains("published index version 2"));

  // Same id, other bytes: refused, the first one stays.
  auto before = hotsplice::read_file(dir / "repo" / "hs-a.hsb", 1 << 20);
  auto duplicate = run(cli::run_repo_add,
                       {"--repo", repository, "--key", key, write_bundle(dir, key, "hs-a", "v2")});
  CHECK(duplicate.exit_code == cli::kExitFailure);
  CHECK_THAT(duplicate.err, Catch::Contains("[duplicate_bundle]"));
  CHECK(*hotsplice::read_file(dir / "repo" / "hs-a.hsb", 1 << 20) == *before);
  // The same bytes again are fine (an idempotent re-run), as long as every bundle in the
  // directory verifies: hs-foreign needs the builder's key.
  std::string again = write_bundle(dir, key, "hs-a");
  auto without_builder = run(cli::run_repo_add, {"--repo", repository, "--key", key, again});
  CHECK(without_builder.exit_code == cli::kExitFailure);
  CHECK_THAT(without_builder.err,
             Catch::Contains("hs-foreign.hsb") && Catch::Contains("[unknown_key]"));
  auto rerun = run(cli::run_repo_add, {"--repo", repository, "--key", key, "--keys",
                                       (dir / "builder-keys").string(), again});
  INFO(rerun.err);
  CHECK(rerun.exit_code == cli::kExitOk);
  CHECK_THAT(rerun.out, Catch::Contains("published index version 3"));
}

TEST_CASE("repo commands report usage errors") {
  TempDir dir;
  std::string key = make_key(dir, "publisher");
  std::string repository = (dir / "repo").string();
  auto no_bundles = run(cli::run_repo_add, {"--repo", repository, "--key", key});
  CHECK(no_bundles.exit_code == cli::kExitUsage);
  CHECK_THAT(no_bundles.err, Catch::Contains("name at least one bundle file"));
  auto no_key = run(cli::run_repo_index, {"--repo", repository});
  CHECK(no_key.exit_code == cli::kExitUsage);
  for (const char* days : {"0", "x", "3651", "7d"}) {
    auto bad = run(cli::run_repo_index, {"--repo", repository, "--key", key, "--expires-in", days});
    CHECK(bad.exit_code == cli::kExitUsage);
    CHECK_THAT(bad.err, Catch::Contains("expected a number of days from 1 to 3650"));
  }
  auto stray = run(cli::run_repo_index, {"--repo", repository, "--key", key, "extra.hsb"});
  CHECK(stray.exit_code == cli::kExitUsage);
}
