// The state database on a real SQLite file: schema, round trips, a corrupt or foreign file,
// and a writer killed mid-transaction.
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "core/base/file_io.h"
#include "hostagent/error_codes.h"
#include "hostagent/state_db.h"
#include "tests/support/temp_dir.h"

using namespace hotsplice;
using namespace hotsplice::hostd;
using hotsplice::testing::TempDir;

TEST_CASE("opening creates the schema once and reopening keeps the data") {
  TempDir dir;
  auto path = dir / "sub" / "hostd.db";
  {
    auto db = StateDb::open(path);
    REQUIRE(db);
    GuestRow row{"u-1",     "web1", KernelIdentity{"6.1.0-56-amd64", "#1 SMP", "abcd"}, "0.1", 100,
                 "patched", ""};
    REQUIRE(db->upsert_guest(row));
    REQUIRE(db->record_bundle_event("u-1", "hs-1", BundleEvent::applied, 101));
  }
  for (int i = 0; i < 2; ++i) {  // opening again is idempotent
    auto db = StateDb::open(path);
    REQUIRE(db);
    auto guests = db->guests();
    REQUIRE(guests);
    REQUIRE(guests->size() == 1);
    CHECK(guests->front().name == "web1");
    CHECK(guests->front().kernel->build_id == "abcd");
    CHECK(guests->front().last_contact == 100);
  }
}

TEST_CASE("bundle events keep the history and the latest state") {
  TempDir dir;
  auto db = StateDb::open(dir / "hostd.db");
  REQUIRE(db);
  REQUIRE(db->record_bundle_event("u-1", "hs-1", BundleEvent::offered, 1));
  REQUIRE(db->record_bundle_event("u-1", "hs-1", BundleEvent::transferred, 2));
  REQUIRE(db->record_bundle_event("u-1", "hs-1", BundleEvent::failed, 3, "wrong_kernel", "no"));
  REQUIRE(db->record_bundle_event("u-2", "hs-1", BundleEvent::applied, 4));
  auto latest = db->guest_bundles("u-1");
  REQUIRE(latest);
  REQUIRE(latest->size() == 1);
  CHECK(latest->front().state == BundleEvent::failed);
  CHECK(latest->front().code == "wrong_kernel");
  CHECK(latest->front().message == "no");
  auto history = db->history("u-1");
  REQUIRE(history);
  REQUIRE(history->size() == 3);
  CHECK(history->at(0).state == BundleEvent::offered);
  CHECK(history->at(2).at == 3);
}

TEST_CASE("every guest's latest bundle states in one query equal the per-guest answers") {
  TempDir dir;
  auto db = StateDb::open(dir / "hostd.db");
  REQUIRE(db);
  REQUIRE(db->record_bundle_event("u-2", "hs-2", BundleEvent::offered, 1));
  REQUIRE(db->record_bundle_event("u-1", "hs-1", BundleEvent::offered, 2));
  REQUIRE(db->record_bundle_event("u-1", "hs-1", BundleEvent::applied, 3));
  REQUIRE(db->record_bundle_event("u-2", "hs-1", BundleEvent::failed, 4, "wrong_kernel", "no"));
  auto all = db->all_guest_bundles();
  REQUIRE(all);
  REQUIRE(all->size() == 2);
  for (const char* guest : {"u-1", "u-2"}) {
    auto one = db->guest_bundles(guest);
    REQUIRE(one);
    const auto& rows = all->at(guest);
    REQUIRE(rows.size() == one->size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      CHECK(rows[i].guest_uuid == guest);
      CHECK(rows[i].bundle_id == one->at(i).bundle_id);
      CHECK(rows[i].state == one->at(i).state);
      CHECK(rows[i].at == one->at(i).at);
      CHECK(rows[i].code == one->at(i).code);
    }
  }
  CHECK(all->at("u-2").front().bundle_id == "hs-1");  // ordered by bundle id, as guest_bundles
  CHECK(all->at("u-2").front().state == BundleEvent::failed);
  CHECK(all->at("u-1").front().state == BundleEvent::applied);
}

TEST_CASE("rollout, canaries and pins round-trip") {
  TempDir dir;
  auto db = StateDb::open(dir / "hostd.db");
  REQUIRE(db);
  auto none = db->load_rollout();
  REQUIRE(none);
  CHECK_FALSE(none->has_value());
  RolloutRow row{"gen-1", "canary", false, "", 10, 0};
  REQUIRE(db->start_rollout(row));
  REQUIRE(db->add_canary("u-1"));
  REQUIRE(db->add_canary("u-1"));
  row.stage = "stopped";
  row.reason = "canary failed";
  REQUIRE(db->save_rollout(row));
  auto loaded = db->load_rollout();
  REQUIRE(loaded);
  CHECK(**loaded == row);
  CHECK(*db->canaries() == std::vector<std::string>{"u-1"});
  REQUIRE(db->start_rollout(RolloutRow{"gen-2", "canary", false, "", 11, 0}));
  CHECK(db->canaries()->empty());  // a new rollout picks its own canaries
  REQUIRE(db->replace_pins({{"web1", "hs-1"}, {"db1", ""}}));
  REQUIRE(db->replace_pins({{"web1", "hs-2"}}));
  CHECK(*db->pins() == std::map<std::string, std::string>{{"web1", "hs-2"}});
}

TEST_CASE("a file that is not a database is refused with a clear error") {
  TempDir dir;
  auto path = dir.write("hostd.db", std::string(8192, 'x'));
  auto db = StateDb::open(path);
  REQUIRE_FALSE(db);
  CHECK(db.error().code() == errc::kStateDbCorrupt);
  CHECK_THAT(db.error().message(), Catch::Contains(path.string()));
  CHECK_THAT(db.error().message(), Catch::Contains("not a database"));
  // Nothing was written over the operator's file.
  CHECK(*read_file(path, 1 << 20) == std::string(8192, 'x'));
}

TEST_CASE("a damaged database page is refused") {
  TempDir dir;
  auto path = dir / "hostd.db";
  {
    auto db = StateDb::open(path);
    REQUIRE(db);
    for (int i = 0; i < 200; ++i) {
      REQUIRE(db->record_bundle_event("u-" + std::to_string(i), "hs-1", BundleEvent::applied, i, "",
                                      std::string(200, 'm')));
    }
  }
  // Fold the WAL into the main file, then overwrite the middle of it.
  {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr) ==
            SQLITE_OK);
    sqlite3_close(raw);
  }
  auto content = *read_file(path, 64 << 20);
  REQUIRE(content.size() > 4 * 4096);
  for (std::size_t i = 2 * 4096; i < 3 * 4096; ++i) content[i] = static_cast<char>(0xA5);
  REQUIRE(write_file_atomically(path, content, 0600));
  auto db = StateDb::open(path);
  REQUIRE_FALSE(db);
  CHECK(db.error().code() == errc::kStateDbCorrupt);
}

TEST_CASE("a database of another program or a newer schema is refused") {
  TempDir dir;
  auto path = dir / "other.db";
  {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw, "CREATE TABLE t (x)", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(raw);
  }
  auto other = StateDb::open(path);
  REQUIRE_FALSE(other);
  CHECK(other.error().code() == errc::kStateDbSchema);
  auto newer_path = dir / "newer.db";
  REQUIRE(StateDb::open(newer_path));
  {
    sqlite3* raw = nullptr;
    REQUIRE(sqlite3_open(newer_path.c_str(), &raw) == SQLITE_OK);
    REQUIRE(sqlite3_exec(raw, "UPDATE schema_version SET version=99", nullptr, nullptr, nullptr) ==
            SQLITE_OK);
    sqlite3_close(raw);
  }
  auto newer = StateDb::open(newer_path);
  REQUIRE_FALSE(newer);
  CHECK(newer.error().code() == errc::kStateDbSchema);
  CHECK_THAT(newer.error().message(), Catch::Contains("99"));
}

TEST_CASE("a writer killed mid-write leaves a consistent database") {
  TempDir dir;
  auto path = dir / "hostd.db";
  REQUIRE(StateDb::open(path));
  std::size_t events_before = 0;
  for (int round = 0; round < 3; ++round) {
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      // The child writes as fast as it can until it is killed; _exit keeps Catch out of it.
      auto db = StateDb::open(path);
      if (!db) ::_exit(3);
      for (std::int64_t i = 0;; ++i) {
        std::string guest = "u-" + std::to_string(i % 7);
        auto event = static_cast<BundleEvent>(i % 6);
        if (!db->record_bundle_event(guest, "hs-" + std::to_string(i % 3), event, i)) ::_exit(4);
        if (!db->upsert_guest(GuestRow{guest, "g", {}, "", i, "pending", ""})) ::_exit(5);
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300 + 100 * round));
    REQUIRE(::kill(child, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFSIGNALED(status));  // it was still writing, not failed early
    auto db = StateDb::open(path);
    REQUIRE(db);
    std::size_t events = 0;
    for (int g = 0; g < 7; ++g) events += db->history("u-" + std::to_string(g))->size();
    CHECK(events > events_before);  // each child got into its writes before the kill
    events_before = events;
    // Every latest-state row agrees with the last history event of its pair: the two
    // writes of each change landed together or not at all.
    for (int g = 0; g < 7; ++g) {
      std::string guest = "u-" + std::to_string(g);
      auto latest = db->guest_bundles(guest);
      auto history = db->history(guest);
      REQUIRE(latest);
      REQUIRE(history);
      for (const auto& row : *latest) {
        const GuestBundleRow* last = nullptr;
        for (const auto& event : *history) {
          if (event.bundle_id == row.bundle_id) last = &event;
        }
        REQUIRE(last != nullptr);
        CHECK(last->state == row.state);
        CHECK(last->at == row.at);
      }
    }
  }
}
