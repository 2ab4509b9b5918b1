#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "core/apply/state_store.h"
#include "tests/support/temp_dir.h"

using hotsplice::apply::StateStore;
using hotsplice::testing::TempDir;

TEST_CASE("state store keeps applied bundles by id") {
  TempDir dir;
  auto store = StateStore::open(dir / "state");
  REQUIRE(store);
  struct stat info {};
  REQUIRE(::stat((dir / "state/applied").c_str(), &info) == 0);
  CHECK((info.st_mode & 0777) == 0700);

  CHECK(store->applied_ids().empty());
  REQUIRE(store->save_applied("hs-0002", "two"));
  REQUIRE(store->save_applied("hs-0001", "one"));
  CHECK(store->applied_ids() == std::vector<std::string>{"hs-0001", "hs-0002"});
  CHECK(store->has_applied("hs-0001"));
  CHECK(*store->read_applied("hs-0002") == "two");

  REQUIRE(store->save_applied("hs-0001", "one, replaced"));
  CHECK(*store->read_applied("hs-0001") == "one, replaced");

  REQUIRE(store->remove_applied("hs-0002"));
  REQUIRE(store->remove_applied("hs-0002"));  // removing twice is fine
  CHECK(store->applied_ids() == std::vector<std::string>{"hs-0001"});
}

TEST_CASE("state store ignores stray files and refuses unsafe ids") {
  TempDir dir;
  auto store = StateStore::open(dir.path());
  REQUIRE(store);
  dir.write("applied/.hs-0001.hsb.tmp", "left by a crash");
  dir.write("applied/notes.txt", "an operator's file");
  dir.write("applied/..hsb", "");
  CHECK(store->applied_ids().empty());
  CHECK(store->save_applied("../escape", "x").error().code() == "invalid_id");
  CHECK(store->read_applied("a/b").error().code() == "invalid_id");
  CHECK_FALSE(store->has_applied(""));
}
