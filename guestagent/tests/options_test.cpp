#include <catch2/catch.hpp>

#include "guestagent/options.h"

using hotsplice::guestd::parse_options;

TEST_CASE("guestd options: defaults and every flag") {
  auto defaults = parse_options({});
  REQUIRE(defaults);
  CHECK(defaults->port_name == "org.hotsplice.agent.0");
  CHECK(defaults->state_dir == "/var/lib/hotsplice");
  CHECK_FALSE(defaults->once);

  auto options =
      parse_options({"--port", "org.example.0", "--state-dir", "/tmp/s", "--once", "--apply-stored",
                     "--log-level", "debug", "--transition-timeout", "3", "--keys-dir", "/k"});
  REQUIRE(options);
  CHECK(options->port_name == "org.example.0");
  CHECK(options->state_dir == "/tmp/s");
  CHECK(options->once);
  CHECK(options->apply_stored);
  CHECK(options->transition_timeout == std::chrono::seconds(3));
  CHECK(options->keys_dir == "/k");
}

TEST_CASE("guestd options: refusals") {
  for (std::vector<std::string> bad :
       std::vector<std::vector<std::string>>{{"--port"},
                                             {"--bogus"},
                                             {"--log-level", "loud"},
                                             {"--transition-timeout", "0"},
                                             {"--transition-timeout", "5x"},
                                             {"--port", "../../dev/sda"},
                                             {"--state-dir", ""}}) {
    auto parsed = parse_options(bad);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().code() == "usage");
  }
}
