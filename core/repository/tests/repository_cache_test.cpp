// RepositoryCache against a local directory written by the real repository writer.
#include "core/repository/repository_cache.h"

#include <catch2/catch.hpp>
#include <map>

#include "core/base/file_io.h"
#include "core/bundle/bundle_file.h"
#include "core/crypto/sha256.h"
#include "core/repository/error_codes.h"
#include "core/repository/tests/repository_fixture.h"

namespace repo = hotsplice::repository;
namespace errc = hotsplice::repository::errc;
using hotsplice::testing::TempDir;
using repo::testing::at;
using repo::testing::kTestNow;
using repo::testing::newest_kernel;
using repo::testing::older_kernel;
using repo::testing::open_cache;
using repo::testing::Publisher;
using repo::testing::sync_ok;

namespace {

std::vector<std::string> ids_of(const std::vector<repo::CachedBundle>& bundles) {
  std::vector<std::string> ids;
  for (const auto& bundle : bundles) ids.push_back(bundle.id());
  return ids;
}

// Every file under directory, relative, sorted: what a reader of the cache could see.
std::vector<std::string> files_under(const std::filesystem::path& directory) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(directory)) {
    if (entry.is_regular_file()) {
      files.push_back(std::filesystem::relative(entry.path(), directory).string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TEST_CASE("sync fetches, verifies and offers bundles, and bundles_for matches kernels exactly") {
  Publisher publisher;
  publisher.add("hs-new-1", newest_kernel());
  publisher.add("hs-new-2", newest_kernel());
  publisher.add("hs-old-1", older_kernel());
  publisher.publish();
  TempDir cache_dir;
  repo::LocalDirectorySource source(publisher.repo());
  auto cache = open_cache(cache_dir.path(), publisher);
  CHECK(cache.available().empty());
  CHECK(cache.highest_version() == 0);

  repo::SyncReport report = sync_ok(cache, source);
  CHECK(report.index_version == 1);
  CHECK(report.new_index);
  CHECK(report.added == std::vector<std::string>{"hs-new-1", "hs-new-2", "hs-old-1"});
  CHECK(report.quarantined.empty());
  CHECK(report.failed.empty());
  CHECK(ids_of(cache.available()) == report.added);
  CHECK(ids_of(cache.bundles_for(newest_kernel())) ==
        std::vector<std::string>{"hs-new-1", "hs-new-2"});
  CHECK(ids_of(cache.bundles_for(older_kernel())) == std::vector<std::string>{"hs-old-1"});
  // Exact matches only: one field off is another kernel.
  for (auto field : {&hotsplice::KernelIdentity::release, &hotsplice::KernelIdentity::version,
                     &hotsplice::KernelIdentity::build_id}) {
    hotsplice::KernelIdentity other = newest_kernel();
    other.*field += "0";
    CHECK(cache.bundles_for(other).empty());
  }
  const repo::CachedBundle& first = cache.available().front();
  CHECK(first.manifest.id == "hs-new-1");
  CHECK(first.key_id == publisher.key().public_key().key_id());
  CHECK(first.path == cache_dir / "bundles" / "hs-new-1.hsb");
  auto bytes = first.bytes();
  REQUIRE(bytes);
  CHECK(*bytes == *hotsplice::read_file(publisher.repo() / "hs-new-1.hsb", 1 << 20));
  CHECK(files_under(cache_dir.path()) ==
        std::vector<std::string>{"accepted.json", "bundles/hs-new-1.hsb", "bundles/hs-new-2.hsb",
                                 "bundles/hs-old-1.hsb"});

  SECTION("the same index again changes nothing and fetches nothing") {
    std::filesystem::remove(publisher.repo() / "hs-new-1.hsb");  // would fail if fetched
    repo::SyncReport again = sync_ok(cache, source);
    CHECK_FALSE(again.new_index);
    CHECK(again.added.empty());
    CHECK(again.unchanged.size() == 3);
    CHECK(cache.available().size() == 3);
  }
  SECTION("a new version adds and withdraws bundles") {
    std::filesystem::remove(publisher.repo() / "hs-old-1.hsb");
    publisher.add("hs-new-3", newest_kernel());
    publisher.publish(kTestNow + std::chrono::hours(1));
    repo::SyncReport next = sync_ok(cache, source, kTestNow + std::chrono::hours(1));
    CHECK(next.index_version == 2);
    CHECK(next.added == std::vector<std::string>{"hs-new-3"});
    CHECK(next.removed == std::vector<std::string>{"hs-old-1"});
    CHECK(next.unchanged == std::vector<std::string>{"hs-new-1", "hs-new-2"});
    CHECK(cache.bundles_for(older_kernel()).empty());
    CHECK_FALSE(std::filesystem::exists(cache_dir / "bundles" / "hs-old-1.hsb"));
  }
  SECTION("a reopened cache offers the same bundles and remembers the version") {
    auto reopened = open_cache(cache_dir.path(), publisher);
    CHECK(reopened.highest_version() == 1);
    CHECK(ids_of(reopened.available()) == ids_of(cache.available()));
    // ...but not a bundle that changed on disk behind its back.
    hotsplice::Status damaged = hotsplice::write_file_atomically(
        cache_dir / "bundles" / "hs-new-2.hsb", publisher.bundle("hs-new-2", newest_kernel(), "x"));
    REQUIRE(damaged);
    CHECK(cache.available()[1].bytes().error().code() == errc::kBundleSha256Mismatch);
    auto again = open_cache(cache_dir.path(), publisher);
    CHECK(ids_of(again.available()) == std::vector<std::string>{"hs-new-1", "hs-old-1"});
    REQUIRE(again.load_problems().size() == 1);
    CHECK(again.load_problems()[0].code() == errc::kBundleSizeMismatch);
    CHECK_THAT(again.load_problems()[0].message(), Catch::StartsWith("cached bundle hs-new-2: "));
    // A key withdrawn since: nothing is offered, and open says why.
    Publisher other;
    auto untrusting = open_cache(cache_dir.path(), other);
    CHECK(untrusting.available().empty());
    CHECK(untrusting.highest_version() == 1);
    REQUIRE(untrusting.load_problems().size() == 1);
    CHECK(untrusting.load_problems()[0].code() == errc::kIndexUnknownKey);
  }
}

TEST_CASE("sync refuses a replayed, reused, expired or future-dated index and keeps its state") {
  Publisher publisher;
  publisher.add("hs-new-1", newest_kernel());
  publisher.publish();  // version 1
  auto v1_json = hotsplice::read_file(publisher.repo() / "index.json", 1 << 20);
  auto v1_sig = hotsplice::read_file(publisher.repo() / "index.sig", 4096);
  publisher.add("hs-new-2", newest_kernel());
  publisher.publish();  // version 2
  TempDir cache_dir;
  repo::LocalDirectorySource source(publisher.repo());
  auto cache = open_cache(cache_dir.path(), publisher);
  sync_ok(cache, source);
  REQUIRE(cache.highest_version() == 2);

  SECTION("replayed: the older, validly signed version 1 comes back") {
    REQUIRE(hotsplice::write_file_atomically(publisher.repo() / "index.json", *v1_json));
    REQUIRE(hotsplice::write_file_atomically(publisher.repo() / "index.sig", *v1_sig));
    auto refused = cache.sync(source, at(kTestNow));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code() == errc::kIndexReplayed);
    CHECK(refused.error().message() ==
          "repository " + publisher.repo().string() +
              ": the repository serves index version 1, older than version 2 accepted before: "
              "a mirror is replaying an old index");
    // Also after a restart: the version was persisted.
    auto reopened = open_cache(cache_dir.path(), publisher);
    CHECK(reopened.sync(source, at(kTestNow)).error().code() == errc::kIndexReplayed);
  }
  SECTION("the same version with other content") {
    auto text = hotsplice::read_file(publisher.repo() / "index.json", 1 << 20);
    std::string edited = *text;
    edited.insert(edited.end() - 1, '\n');  // a char: GCC 12 -O3 warned -Wrestrict on "\n"
    REQUIRE(hotsplice::write_file_atomically(publisher.repo() / "index.json", edited));
    publisher.resign();
    auto refused = cache.sync(source, at(kTestNow));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code() == errc::kIndexVersionReused);
    CHECK_THAT(refused.error().message(), Catch::Contains("index version 2 differs"));
  }
  SECTION("expired") {
    publisher.publish(kTestNow, std::chrono::days(1));  // version 3, expires a day later
    auto refused = cache.sync(source, at(kTestNow + std::chrono::days(2)));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code() == errc::kIndexExpired);
    CHECK_THAT(refused.error().message(),
               Catch::Contains("index version 3 expired at 2026-12-01T05:00:00Z (now "
                               "2026-12-02T05:00:00Z)"));
  }
  SECTION("future-dated") {
    publisher.publish(kTestNow + std::chrono::hours(2));
    auto refused = cache.sync(source, at(kTestNow));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code() == errc::kIndexFromFuture);
  }
  SECTION("a key the cache does not trust") {
    Publisher stranger;
    REQUIRE(hotsplice::write_file_atomically(
        publisher.repo() / "index.sig",
        *repo::sign_index(*hotsplice::read_file(publisher.repo() / "index.json", 1 << 20),
                          stranger.key())));
    auto refused = cache.sync(source, at(kTestNow));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code() == errc::kIndexUnknownKey);
  }
  SECTION("no index at all") {
    std::filesystem::remove(publisher.repo() / "index.json");
    auto refused = cache.sync(source, at(kTestNow));
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code() == errc::kNotFound);
    CHECK_THAT(refused.error().message(), Catch::Contains("index.json: no such file"));
  }
  // Whatever was refused, the cache still offers what it had and remembers version 2.
  CHECK(cache.highest_version() == 2);
  CHECK(ids_of(cache.available()) == std::vector<std::string>{"hs-new-1", "hs-new-2"});
}

TEST_CASE("a bundle that fails a check is quarantined and reported, never offered") {
  Publisher publisher;
  publisher.add("hs-good", newest_kernel());
  publisher.add("hs-cut", newest_kernel());
  publisher.add("hs-swapped", newest_kernel());
  publisher.add("hs-forged", newest_kernel());
  publisher.add("hs-mislabelled", newest_kernel());
  publisher.publish();
  auto good = *hotsplice::read_file(publisher.repo() / "hs-good.hsb", 1 << 20);
  // Damage the files after the index was signed, the way a broken mirror would.
  REQUIRE(hotsplice::write_file_atomically(publisher.repo() / "hs-cut.hsb",
                                           good.substr(0, good.size() - 10)));
  REQUIRE(hotsplice::write_file_atomically(publisher.repo() / "hs-swapped.hsb", good));
  // hs-forged: a bundle by another key, listed with its own sha256 and size in a
  // re-signed index; hs-mislabelled: a validly signed bundle whose manifest says another
  // target than its entry.
  Publisher stranger;
  std::string forged = stranger.bundle("hs-forged", newest_kernel());
  REQUIRE(hotsplice::write_file_atomically(publisher.repo() / "hs-forged.hsb", forged));
  std::string mislabelled = publisher.bundle("hs-mislabelled", older_kernel());
  REQUIRE(hotsplice::write_file_atomically(publisher.repo() / "hs-mislabelled.hsb", mislabelled));
  auto index = repo::parse_index(*hotsplice::read_file(publisher.repo() / "index.json", 1 << 20));
  REQUIRE(index);
  for (auto& entry : index->bundles) {
    const std::string* bytes = entry.id == "hs-forged"        ? &forged
                               : entry.id == "hs-mislabelled" ? &mislabelled
                                                              : nullptr;
    if (bytes == nullptr) continue;
    entry.sha256 = hotsplice::sha256_hex(*bytes);
    entry.size = bytes->size();
  }
  REQUIRE(hotsplice::write_file_atomically(publisher.repo() / "index.json",
                                           *repo::serialize_index(*index)));
  publisher.resign();

  TempDir cache_dir;
  repo::LocalDirectorySource source(publisher.repo());
  auto cache = open_cache(cache_dir.path(), publisher);
  repo::SyncReport report = sync_ok(cache, source);
  CHECK(report.added == std::vector<std::string>{"hs-good"});
  CHECK(ids_of(cache.available()) == std::vector<std::string>{"hs-good"});
  REQUIRE(report.quarantined.size() == 4);
  std::map<std::string, hotsplice::Error> why;
  for (const auto& quarantined : report.quarantined) {
    why.emplace(quarantined.id, quarantined.error);
    CHECK(quarantined.path == cache_dir / "quarantine" / quarantined.file);
    CHECK(std::filesystem::exists(quarantined.path));
    auto reason = hotsplice::read_file(quarantined.path.string() + ".error", 4096);
    REQUIRE(reason);
    CHECK_THAT(*reason, Catch::Contains("code " + quarantined.error.code()));
  }
  CHECK(why.at("hs-cut").code() == errc::kBundleSizeMismatch);
  CHECK_THAT(why.at("hs-cut").message(), Catch::EndsWith("(truncated)"));
  CHECK(why.at("hs-swapped").code() == errc::kBundleSizeMismatch);
  CHECK(why.at("hs-forged").code() == "unknown_key");
  CHECK(why.at("hs-mislabelled").code() == errc::kBundleEntryMismatch);
  CHECK_THAT(why.at("hs-mislabelled").message(),
             Catch::Contains("hs-mislabelled.hsb: the bundle's manifest says target 6.1.0-53"));
  // Nothing of theirs is offered or left in bundles/.
  CHECK(files_under(cache_dir / "bundles") == std::vector<std::string>{"hs-good.hsb"});
}

TEST_CASE("a same-sized wrong bundle fails its sha256 and a bigger one its size") {
  Publisher publisher;
  publisher.add("hs-a", newest_kernel());
  publisher.publish();
  auto original = *hotsplice::read_file(publisher.repo() / "hs-a.hsb", 1 << 20);
  std::string flipped = original;
  flipped.back() ^= 1;
  TempDir cache_dir;
  repo::LocalDirectorySource source(publisher.repo());
  auto cache = open_cache(cache_dir.path(), publisher);

  REQUIRE(hotsplice::write_file_atomically(publisher.repo() / "hs-a.hsb", flipped));
  repo::SyncReport flipped_report = sync_ok(cache, source);
  REQUIRE(flipped_report.quarantined.size() == 1);
  CHECK(flipped_report.quarantined[0].error.code() == errc::kBundleSha256Mismatch);

  REQUIRE(hotsplice::write_file_atomically(publisher.repo() / "hs-a.hsb", original + "tail"));
  repo::SyncReport longer = sync_ok(cache, source);
  REQUIRE(longer.quarantined.size() == 1);
  CHECK(longer.quarantined[0].error.code() == errc::kBundleSizeMismatch);
  CHECK(longer.quarantined[0].path.empty());  // nothing read beyond the listed size
  CHECK(cache.available().empty());

  // Once the repository serves the right file again, the next sync takes it.
  REQUIRE(hotsplice::write_file_atomically(publisher.repo() / "hs-a.hsb", original));
  repo::SyncReport repaired = sync_ok(cache, source);
  CHECK(repaired.added == std::vector<std::string>{"hs-a"});
  CHECK(repaired.quarantined.empty());
}

TEST_CASE("a missing bundle file is reported as failed and fetched at the next sync") {
  Publisher publisher;
  publisher.add("hs-a", newest_kernel());
  publisher.publish();
  auto bytes = *hotsplice::read_file(publisher.repo() / "hs-a.hsb", 1 << 20);
  std::filesystem::remove(publisher.repo() / "hs-a.hsb");
  TempDir cache_dir;
  repo::LocalDirectorySource source(publisher.repo());
  auto cache = open_cache(cache_dir.path(), publisher);
  repo::SyncReport first = sync_ok(cache, source);
  REQUIRE(first.failed.size() == 1);
  CHECK(first.failed[0].id == "hs-a");
  CHECK(first.failed[0].error.code() == errc::kNotFound);
  CHECK(first.quarantined.empty());
  CHECK(cache.available().empty());
  REQUIRE(hotsplice::write_file_atomically(publisher.repo() / "hs-a.hsb", bytes));
  CHECK(sync_ok(cache, source).added == std::vector<std::string>{"hs-a"});
}

TEST_CASE("the cache refuses to start on a corrupt accepted.json") {
  Publisher publisher;
  TempDir cache_dir;
  cache_dir.write("accepted.json", R"({"highest_version": 4, "highest_version": 5})");
  auto cache = repo::RepositoryCache::open(cache_dir.path(), publisher.trusted_keys());
  REQUIRE_FALSE(cache);
  CHECK(cache.error().code() == errc::kCacheStateCorrupt);
  CHECK_THAT(cache.error().message(), Catch::Contains("given twice"));
}

TEST_CASE("LocalDirectorySource refuses names that leave the directory and caps reads") {
  TempDir dir;
  dir.write("repo/index.json", std::string(100, 'x'));
  dir.write("secret", "s");
  repo::LocalDirectorySource source(dir / "repo");
  CHECK(source.fetch("../secret", 10).error().code() == errc::kInvalidName);
  CHECK(source.fetch("..", 10).error().code() == errc::kInvalidName);
  CHECK(source.fetch("index.json", 99).error().code() == errc::kDownloadTooLarge);
  CHECK(source.fetch("index.json", 100)->size() == 100);
  CHECK(source.fetch("missing.hsb", 10).error().code() == errc::kNotFound);
}

TEST_CASE("another repository's first index is not a replay, and a replay within it still is") {
  // The cache last held repository A at version 3.
  Publisher first;
  first.add("hs-a-1", newest_kernel());
  first.publish();
  first.publish();
  first.publish();  // version 3
  TempDir cache_dir;
  {
    repo::LocalDirectorySource source(first.repo());
    auto cache = open_cache(cache_dir.path(), first);
    sync_ok(cache, source);
    REQUIRE(cache.highest_version() == 3);
    CHECK(cache.accepted_repository() == first.repo().string());
  }
  // The operator points hostd at repository B (its own place and key), at version 1.
  Publisher second;
  second.add("hs-b-1", newest_kernel());
  second.publish();  // version 1
  auto v1_json = hotsplice::read_file(second.repo() / "index.json", 1 << 20);
  auto v1_sig = hotsplice::read_file(second.repo() / "index.sig", 4096);
  repo::LocalDirectorySource source(second.repo());
  auto cache = open_cache(cache_dir.path(), second);
  repo::SyncReport report = sync_ok(cache, source);
  CHECK(report.index_version == 1);
  CHECK(report.new_index);
  CHECK(report.switched_from == first.repo().string());
  CHECK(ids_of(cache.available()) == std::vector<std::string>{"hs-b-1"});
  CHECK(cache.accepted_repository() == second.repo().string());
  CHECK_FALSE(cache.accepted_key_id().empty());

  // Within B the protection holds, also across a restart: B's version 1 replayed after 2.
  second.publish();  // version 2
  sync_ok(cache, source);
  REQUIRE(hotsplice::write_file_atomically(second.repo() / "index.json", *v1_json));
  REQUIRE(hotsplice::write_file_atomically(second.repo() / "index.sig", *v1_sig));
  auto refused = cache.sync(source, at(kTestNow));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == errc::kIndexReplayed);
  auto reopened = open_cache(cache_dir.path(), second);
  auto refused_again = reopened.sync(source, at(kTestNow));
  REQUIRE_FALSE(refused_again);
  CHECK(refused_again.error().code() == errc::kIndexReplayed);
  CHECK(ids_of(reopened.available()) == std::vector<std::string>{"hs-b-1"});
}
