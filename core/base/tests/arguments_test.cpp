#include <catch2/catch.hpp>

#include "core/base/arguments.h"

using hotsplice::Arguments;
using hotsplice::OptionSpec;

namespace {

const std::vector<OptionSpec> kSpecs = {{"key"}, {"cve", true, true}, {"json", false}};

std::string usage_error(const std::vector<std::string>& argv) {
  auto parsed = Arguments::parse(argv, kSpecs, 1);
  REQUIRE_FALSE(parsed);
  CHECK(parsed.error().code() == "usage");
  return parsed.error().message();
}

}  // namespace

TEST_CASE("arguments: values, inline values, repeats, flags and positionals") {
  auto parsed = Arguments::parse(
      {"--key", "k.pem", "--cve=CVE-2024-1", "--cve", "CVE-2024-2", "--json", "file.hsb"}, kSpecs,
      1);
  REQUIRE(parsed);
  CHECK(parsed->value("key") == "k.pem");
  CHECK(parsed->values("cve") == std::vector<std::string>{"CVE-2024-1", "CVE-2024-2"});
  CHECK(parsed->has("json"));
  CHECK(parsed->positionals() == std::vector<std::string>{"file.hsb"});
  CHECK_FALSE(parsed->value("missing"));
  CHECK(parsed->required("missing").error().message() == "option --missing is required");
}

TEST_CASE("arguments: a double dash ends the options") {
  auto parsed = Arguments::parse({"--", "--json"}, kSpecs, 1);
  REQUIRE(parsed);
  CHECK_FALSE(parsed->has("json"));
  CHECK(parsed->positionals() == std::vector<std::string>{"--json"});
}

TEST_CASE("arguments: mistakes are named") {
  CHECK(usage_error({"--kye", "x"}) == "unknown option --kye");
  CHECK(usage_error({"--key"}) == "option --key needs a value");
  CHECK(usage_error({"--key", "a", "--key", "b"}) == "option --key given twice");
  CHECK(usage_error({"--json=yes"}) == "option --json takes no value");
  CHECK(usage_error({"a", "b"}) == "unexpected argument \"b\"");
}
