#include <catch2/catch.hpp>

#include "kmod/elfdiff/symbol_names.h"

using namespace hotsplice::elfdiff;

TEST_CASE("correlation names drop compiler numbers but keep the clone kind") {
  CHECK(correlation_name("foo.isra.0") == "foo.isra");
  CHECK(correlation_name("foo.constprop.12.isra.0") == "foo.constprop.isra");
  CHECK(correlation_name("foo.part.3") == "foo.part");
  CHECK(correlation_name("foo.cold") == "foo.cold");
  CHECK(correlation_name("counter.12") == "counter");
  CHECK(correlation_name("__key.34") == "__key");
  CHECK(correlation_name("__func__.5") == "__func__");
  CHECK(correlation_name(".LC12") == ".LC");
  CHECK(correlation_name("__UNIQUE_ID_ddebug412") == "__UNIQUE_ID_ddebug");
  CHECK(correlation_name("plain_function") == "plain_function");
}

TEST_CASE("cold pieces belong to the function they were split from, .part clones do not") {
  CHECK(parent_of_piece("foo.cold") == "foo");
  CHECK(parent_of_piece("foo.part.0.cold") == "foo.part.0");
  CHECK(parent_of_piece("foo.isra.0.cold") == "foo.isra.0");
  // A .part clone has its own __fentry__ and direct callers: a function in its own right.
  CHECK(parent_of_piece("foo.part.0") == "");
  CHECK(parent_of_piece("foo.isra.0.part.1") == "");
  CHECK(parent_of_piece("foo.isra.0") == "");
  CHECK(parent_of_piece("foo") == "");
  CHECK(source_function_name("foo.constprop.0.isra.0") == "foo");
}

TEST_CASE("per-site statics are recognised") {
  CHECK(is_per_site_static("__key"));
  CHECK(is_per_site_static("__warned"));
  CHECK(is_per_site_static("__UNIQUE_ID_ddebug"));
  CHECK(is_per_site_static("__FUNCTION__"));
  CHECK(is_per_site_static("__PRETTY_FUNCTION__"));
  CHECK(is_per_site_static("CSWTCH"));
  CHECK_FALSE(is_per_site_static("counter"));
  CHECK_FALSE(is_per_site_static("descriptor"));  // only inside __verbose (ObjectIndex)
}

TEST_CASE("function-local statics are told from file-scope symbols") {
  CHECK(is_function_local_static("open_count.0"));
  CHECK(is_function_local_static("__key.12"));
  CHECK_FALSE(is_function_local_static("open_count"));
  CHECK_FALSE(is_function_local_static(".LC3"));
}
